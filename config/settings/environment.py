"""Where the project lives and what environment it runs in: read first by every settings module."""

import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def checkout_secret_key(var_dir: Path) -> str:
    """This checkout's own development secret, made on first run and kept in var/.

    var/ is git-ignored, so no key is ever published with the code. Made under a
    temporary name and linked into place, so processes starting together (pytest's
    workers) agree on one key.
    """
    path = var_dir / "secret_key"
    if not path.exists():
        temporary = var_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        temporary.write_text(secrets.token_urlsafe(50))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return path.read_text().strip()


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or DJANGO_ENV == "test"
