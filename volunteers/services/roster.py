"""Roster import (preview, then confirm or discard) and export."""

import datetime
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, Forbidden, Invalid
from core.identity import reveal_id_number
from volunteers import permissions, roster
from volunteers.models import Organisation, Person, RosterImport, User
from volunteers.services.audit import audit_record
from volunteers.services.people import person_create

Action = permissions.Action
Status = RosterImport.Status


def _require_manager(by: User) -> None:
    if not permissions.can_anywhere(by, Action.MANAGE_PEOPLE):
        raise Forbidden("forbidden", _("您没有管理人员的权限，不能导入或导出名册。"))


def _scope_root(by: User) -> Organisation | None:
    """The one node whose subtree is the user's whole scope, if there is one."""
    scope = permissions.organisations_in_scope(by, Action.MANAGE_PEOPLE)
    top = scope.order_by("depth", "path").first()
    if top is None or scope.exclude(path__startswith=top.path).exists():
        return None
    return top


def roster_import_preview(*, by: User, kind: str, file: IO[bytes]) -> RosterImport:
    """Check an uploaded roster and keep the verdict; no person is written yet."""
    # No transaction around the parsing: one insert at the end is the only write, and
    # holding a write lock while a large file is read would stall everyone else.
    _require_manager(by)
    rows = roster.read_roster(file, kind=kind)
    checked = roster.check_rows(rows, kind=kind, user=by)
    name = (getattr(file, "name", "") or "roster.xlsx").rsplit("/", 1)[-1][-255:]
    return RosterImport.objects.create(
        uploaded_by=by,
        organisation=_scope_root(by),
        kind=kind,
        file_name=name,
        good_rows=checked.good,
        bad_rows=checked.bad,
        row_count=checked.row_count,
        good_count=len(checked.good),
        bad_count=len(checked.bad),
    )


def _lock_own_open_import(roster_import: RosterImport, by: User | None) -> RosterImport:
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if by is None or locked.uploaded_by_id != by.pk:
        raise Forbidden("forbidden", _("只能处理您自己上传的名册。"))
    if locked.status == Status.IMPORTED:
        raise Conflict("already_imported", _("这份名册已经导入过了，不能重复导入。"))
    if locked.status == Status.DISCARDED:
        raise Conflict("discarded", _("这份名册已经放弃导入。"))
    return locked


def _forget_id_ciphertexts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Once a preview is closed its copy of the encrypted ID numbers has no further use."""
    return [{k: v for k, v in row.items() if k != "id_number_encrypted"} for row in rows]


@transaction.atomic
def roster_import_confirm(*, roster_import: RosterImport, by: User) -> RosterImport:
    """Import exactly the previewed good rows, skipping any that became duplicates since."""
    locked = _lock_own_open_import(roster_import, by)
    _require_manager(by)
    if not locked.good_rows:
        raise Conflict("nothing_to_import", _("没有可以导入的行。"))

    rows = locked.good_rows
    phones_taken = set(
        Person.objects.filter(phone__in=[r["phone"] for r in rows]).values_list("phone", flat=True)
    )
    digests = [r["id_number_digest"] for r in rows if r.get("id_number_digest")]
    digests_taken = set(
        Person.objects.filter(id_number_digest__in=digests).values_list(
            "id_number_digest", flat=True
        )
    )
    # Roles can end between preview and confirm: every organisation must still be in scope.
    org_ids = {r[f"{key}_id"] for r in rows for key in roster.LOOKUP_KINDS} - {None}
    scope = roster.lookup_organisations(by)
    organisations = {o.pk: o for o in scope.filter(pk__in=org_ids)}

    created: list[Person] = []
    skipped: list[dict[str, Any]] = []
    for row in rows:
        reason: str | Promise | None = None
        if row["phone"] in phones_taken:
            reason = _("预览后该手机号已被登记")
        elif row.get("id_number_digest") in digests_taken:
            reason = _("预览后该身份证号已被登记")
        elif any(
            row[f"{key}_id"] is not None and row[f"{key}_id"] not in organisations
            for key in roster.LOOKUP_KINDS
        ):
            reason = _("您已无权管理该行填写的组织")
        if reason is None:
            try:
                created.append(_create_person(row, organisations))
            except DomainError as exc:
                reason = exc.message
        if reason is not None:
            skipped.append({"row": row["row"], "real_name": row["real_name"], "reasons": [reason]})

    locked.status = Status.IMPORTED
    locked.finished_at = timezone.now()
    locked.imported_count = len(created)
    locked.skipped_rows = skipped
    locked.skipped_count = len(skipped)
    locked.good_rows = _forget_id_ciphertexts(locked.good_rows)
    locked.save()
    audit_record(
        actor=by,
        action="roster.import",
        target=locked,
        organisation=locked.organisation,
        roster_import_id=locked.pk,
        kind=locked.kind,
        file_name=locked.file_name,
        imported=len(created),
        skipped=len(skipped),
        rows_with_problems=locked.bad_count,
    )
    return locked


def _create_person(row: dict[str, Any], organisations: dict[int, Organisation]) -> Person:
    id_number = ""
    if row.get("id_number_encrypted"):
        id_number = reveal_id_number(row["id_number_encrypted"])
    return person_create(
        real_name=row["real_name"],
        phone=row["phone"],
        id_number=id_number,
        political_status=row["political_status"],
        home_grid=organisations.get(row["home_grid_id"]),
        skills=row["skills"],
        date_joined=datetime.date.fromisoformat(row["date_joined"]) if row["date_joined"] else None,
        party_branch=organisations.get(row["party_branch_id"]),
        employer_unit=organisations.get(row["employer_unit_id"]),
        in_service=row["in_service"],
    )


@transaction.atomic
def roster_import_discard(*, roster_import: RosterImport, by: User) -> RosterImport:
    """Close a preview without importing anything."""
    locked = _lock_own_open_import(roster_import, by)
    locked.status = Status.DISCARDED
    locked.finished_at = timezone.now()
    locked.good_rows = _forget_id_ciphertexts(locked.good_rows)
    locked.save()
    return locked


def roster_export(*, by: User, kind: str) -> bytes:
    """The people ``by`` manages as a roster file; every export of personal data is audited."""
    _require_manager(by)
    if kind not in RosterImport.Kind.values:
        raise Invalid("bad_kind", _("未知的名册类型。"), field="kind")
    people = permissions.people_in_scope(by, Action.MANAGE_PEOPLE).select_related(
        "home_grid", "party_branch", "employer_unit"
    )
    if kind == RosterImport.Kind.PARTY_MEMBERS:
        people = people.filter(political_status__in=Person.PARTY_STATUSES)
    people = people.order_by("pk")
    content = roster.build_export(people.iterator(chunk_size=2000), kind=kind)
    # Built first, outside a transaction, so a long export holds no lock; then recorded.
    audit_record(
        actor=by,
        action="roster.export",
        target=RosterImport.Kind(kind).label,
        organisation=_scope_root(by),
        kind=kind,
    )
    return content
