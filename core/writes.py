"""What every service that writes a model does: check it, change it, say what changed.

A model's own rules (its fields, ``clean()`` and constraints) are the services' rules:
``refuse_invalid`` runs them and turns the first problem into an ``Invalid`` refusal on
its field, with the rule's code and Chinese message, so the admin, the API and code all
meet the same refusal. ``apply_changes`` sets the fields a caller names and answers
which of them really changed, old and new, for the audit log and for a partial save.
"""

import datetime
from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from core.errors import Invalid

Change = tuple[Any, Any]


def refuse_invalid(instance: models.Model, *, exclude: Collection[str] | None = None) -> None:
    """``full_clean``; its first problem becomes an ``Invalid`` on that field."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise refusal_from(exc) from None


def refusal_from(exc: ValidationError) -> Invalid:
    """The first message of a ``ValidationError`` as a refusal: its field, its code."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
    else:
        field, errors = NON_FIELD_ERRORS, exc.error_list
    first = errors[0]
    message = first.message % first.params if first.params else first.message
    return Invalid(
        first.code or "invalid",
        str(message),
        field=None if field == NON_FIELD_ERRORS else field,
    )


def empty_fields(instance: models.Model) -> set[str]:
    """The fields left empty that the database can store empty.

    A draft may leave them for later (Wagtail defers the same ones on its forms); the
    rules that compare two values skip an empty one, so they still hold on a draft.
    """
    empty = set()
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if (value is None and field.null) or (value == "" and not field.null):
            empty.add(field.name)
    return empty


def apply_changes(instance: models.Model, changes: Mapping[str, Any]) -> dict[str, Change]:
    """Set each named field; answer ``{name: (old, new)}`` for those whose value changed."""
    editable = {field.name for field in instance._meta.concrete_fields if not field.primary_key}
    unknown = set(changes) - editable
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no fields {sorted(unknown)}")
    changed: dict[str, Change] = {}
    for name, new in changes.items():
        old = getattr(instance, name)
        if old != new:
            changed[name] = (old, new)
            setattr(instance, name, new)
    return changed


def save_changed(instance: models.Model, changed: Collection[str]) -> None:
    """Write only the changed columns (and any ``auto_now`` stamp); nothing when none."""
    if not changed:
        return
    stamps = [
        field.name
        for field in instance._meta.concrete_fields
        if getattr(field, "auto_now", False) and field.name not in changed
    ]
    instance.save(update_fields=[*changed, *stamps])


def recordable(value: Any) -> Any:
    """A field's value as the audit log's JSON keeps it: a related object by its name."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)  # a related object by its name, a Decimal as written


def recorded_changes(changed: Mapping[str, Change]) -> dict[str, list[Any]]:
    """``{name: [old, new]}``, ready for ``audit_record``."""
    return {name: [recordable(old), recordable(new)] for name, (old, new) in changed.items()}


def recorded_values(instance: models.Model, names: Collection[str]) -> dict[str, Any]:
    """The named fields' values, ready for ``audit_record``."""
    return {name: recordable(getattr(instance, name)) for name in names}
