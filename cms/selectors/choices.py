"""The choices editors pick from in page blocks: communities, ranking scopes, categories."""

from django.db.models import QuerySet

from volunteers.models import ActivityCategory, Organisation

Kind = Organisation.Kind


def detachments() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=Kind.DETACHMENT).order_by("path")


def community_choices() -> list[tuple[str, str]]:
    return list(
        Organisation.objects.filter(kind=Kind.COMMUNITY)
        .order_by("path")
        .values_list("code", "name")
    )


def ranking_scope_choices() -> list[tuple[str, str]]:
    """The nodes a public ranking can be drawn for: the town, its communities and squads."""
    kinds = (Kind.TOWN, Kind.COMMUNITY, Kind.DETACHMENT, Kind.SQUAD)
    return list(
        Organisation.objects.filter(kind__in=kinds).order_by("path").values_list("code", "name")
    )


def category_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in ActivityCategory.objects.values_list("name", flat=True)]
