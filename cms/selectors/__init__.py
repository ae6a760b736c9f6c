"""Reads the publicity site shares: live figures, activity lists, teams and their numbers.

Everything here reads the database the volunteers app writes (verified check-ins,
published activities, the organisation tree) or the published ranking snapshots;
nothing is typed in by an editor. Each function costs a fixed number of queries
whatever the size of the town, so the home page stays cheap when it is rendered
without the page cache. One module per topic; this package names what they share
(migrations name the block choices as ``cms.selectors.<choice>``).
"""

from cms.selectors.activities import decorate_activities, recent_activities, upcoming_activities
from cms.selectors.boards import Board, RankRow, published_boards
from cms.selectors.choices import (
    category_choices,
    community_choices,
    detachments,
    ranking_scope_choices,
)
from cms.selectors.statistics import (
    TownStatistics,
    need_statistics,
    served_minutes,
    town_statistics,
)
from cms.selectors.teams import (
    OrganisationFigures,
    children_figures,
    organisation_figures,
    relative_page_url,
    squads_figures,
)

__all__ = [
    "Board",
    "OrganisationFigures",
    "RankRow",
    "TownStatistics",
    "category_choices",
    "children_figures",
    "community_choices",
    "decorate_activities",
    "detachments",
    "need_statistics",
    "organisation_figures",
    "published_boards",
    "ranking_scope_choices",
    "recent_activities",
    "relative_page_url",
    "served_minutes",
    "squads_figures",
    "town_statistics",
    "upcoming_activities",
]
