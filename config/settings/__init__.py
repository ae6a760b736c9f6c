"""Settings for 美丽沙州, read from the environment.

With nothing set, the project runs embedded: SQLite under var/, Celery tasks run
eagerly, a local-memory cache. DATABASE_URL and REDIS_URL switch to PostgreSQL
and Redis; DJANGO_ENV=production turns on the production safeguards.

One module per topic; this package is ``DJANGO_SETTINGS_MODULE`` and gathers them.
Each topic module imports what it reads from ``environment`` and from no other topic.
"""

from config.settings.accounts import *  # noqa: F403
from config.settings.api import *  # noqa: F403
from config.settings.environment import *  # noqa: F403
from config.settings.jobs import *  # noqa: F403
from config.settings.project import *  # noqa: F403
from config.settings.security import *  # noqa: F403
