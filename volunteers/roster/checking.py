"""Judging roster rows: each on its own, against the file and against the database.

``check_rows`` returns the good rows, ready to import, and the bad rows, each with its Excel
row number and the reasons in Chinese. Nothing here writes to the database.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.identity import (
    normalise_id_number,
    normalise_phone,
    protect_id_number,
    validate_id_number,
    validate_mainland_mobile,
)
from core.spreadsheets import typed_text
from volunteers.models import Organisation, Person
from volunteers.roster.columns import (
    DATE_FORMATS,
    LOOKUP_KINDS,
    MASKED_ID_RE,
    NO,
    POLITICAL_STATUS_NAMES,
    YES,
    Kind,
    PoliticalStatus,
    RosterCheck,
    RosterRow,
    lookup_organisations,
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return typed_text(str(value)).strip()  # a value our export quoted comes back as typed


def _parse_date(value: Any) -> datetime.date | None:
    """A date cell or text such as 2024-03-01, 2024/3/1, 2024年3月1日; blank gives None."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    if isinstance(value, float):
        raise ValueError(text)
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 a date only
        except ValueError:
            continue
    raise ValueError(text)


class _Lookup:
    """Organisation names and codes the uploader may name (see lookup_organisations)."""

    def __init__(self, user, rows: list[RosterRow]):
        self.found: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        scope = lookup_organisations(user)
        for key, kind in LOOKUP_KINDS.items():
            names = sorted({_text(r.values.get(key)) for r in rows} - {""})
            for start in range(0, len(names), 500):
                chunk = names[start : start + 500]
                matches = scope.filter(kind=kind).filter(Q(name__in=chunk) | Q(code__in=chunk))
                for pk, name, code in matches.values_list("pk", "name", "code"):
                    for label in {name, code} & set(chunk):
                        self.found[(kind, label)].append((pk, name))

    def get(self, kind: str, label: str) -> tuple[tuple[int, str] | None, str | None]:
        """(pk, name) of the one match, or None and the reason in Chinese."""
        matches = self.found.get((kind, label), [])
        kind_label = Organisation.Kind(kind).label
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            return None, _("未找到%(kind)s“%(name)s”（只能填写您管辖范围内的%(kind)s）") % {
                "kind": kind_label,
                "name": label,
            }
        return None, _("有多个名为“%(name)s”的%(kind)s，请改填%(kind)s编码") % {
            "kind": kind_label,
            "name": label,
        }


def _existing(field_name: str, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(
            Person.objects.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True)
        )
    return found


def _check_one(row: RosterRow, kind: str, lookup: _Lookup, today: datetime.date):
    """Return (normalised values, reasons) for one row, judged on its own."""
    values = row.values
    reasons: list[str] = []
    data: dict[str, Any] = {"row": row.row}

    real_name = _text(values.get("real_name"))
    data["real_name"] = real_name[:50]
    if not real_name:
        reasons.append(_("姓名未填写"))
    elif len(real_name) > 50:
        reasons.append(_("姓名超过50字"))

    phone = normalise_phone(_text(values.get("phone")))
    data["phone"] = phone
    if not phone:
        reasons.append(_("手机号未填写"))
    else:
        try:
            validate_mainland_mobile(phone)
        except ValidationError:
            reasons.append(_("手机号“%(phone)s”格式不正确，应为11位手机号") % {"phone": phone})

    raw_id = values.get("id_number")
    id_number = normalise_id_number(_text(raw_id))
    data["id_number_digest"] = ""
    if isinstance(raw_id, float):
        reasons.append(_("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后重填"))
    elif MASKED_ID_RE.match(id_number):
        reasons.append(_("身份证号是隐去部分数字的形式，请填写完整号码或留空"))
    elif id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            reasons.append(exc.messages[0].rstrip("。"))
        else:
            digest, ciphertext, masked = protect_id_number(id_number)
            data.update(
                id_number_digest=digest, id_number_encrypted=ciphertext, id_number_masked=masked
            )

    status_text = _text(values.get("political_status"))
    if not status_text:
        status = (
            PoliticalStatus.PARTY_MEMBER if kind == Kind.PARTY_MEMBERS else PoliticalStatus.MASSES
        )
    else:
        status = POLITICAL_STATUS_NAMES.get(status_text.replace(" ", ""))
        if status is None:
            reasons.append(
                _("政治面貌“%(value)s”无法识别，应为群众、共青团员、中共预备党员或中共党员")
                % {"value": status_text}
            )
    data["political_status"] = status or PoliticalStatus.MASSES
    is_party = data["political_status"] in Person.PARTY_STATUSES
    if status and kind == Kind.PARTY_MEMBERS and not is_party:
        reasons.append(_("党员名册中的政治面貌应为中共党员或中共预备党员"))

    skills = _text(values.get("skills"))
    data["skills"] = skills[:200]
    if len(skills) > 200:
        reasons.append(_("技能特长超过200字"))

    data["date_joined"] = None
    try:
        joined = _parse_date(values.get("date_joined"))
    except ValueError:
        reasons.append(
            _("加入日期“%(value)s”无法识别，请写成 2024-03-01 的形式")
            % {"value": _text(values.get("date_joined"))}
        )
    else:
        if joined is not None and joined > today:
            reasons.append(_("加入日期不能晚于今天"))
        elif joined is not None:
            data["date_joined"] = joined.isoformat()

    for key, org_kind in LOOKUP_KINDS.items():
        data[f"{key}_id"] = None
        data[f"{key}_name"] = ""
        label = _text(values.get(key))
        if not label:
            if key == "home_grid":
                reasons.append(_("所属网格未填写"))
            continue
        match, reason = lookup.get(org_kind, label)
        if reason:
            reasons.append(reason)
        else:
            data[f"{key}_id"], data[f"{key}_name"] = match

    in_service_text = _text(values.get("in_service")).lower()
    data["in_service"] = in_service_text in YES
    if in_service_text not in YES | NO:
        reasons.append(_("是否在职党员应填“是”或“否”"))
    if data["in_service"] and not is_party:
        reasons.append(_("只有中共党员或预备党员可以登记为在职党员"))
    if (
        data["in_service"]
        and not data["employer_unit_id"]
        and not _text(values.get("employer_unit"))
    ):
        reasons.append(_("在职党员须填写在职单位"))
    if data["party_branch_id"] and not is_party:
        reasons.append(_("只有党员可以登记所在党支部"))
    return data, reasons


def check_rows(rows: list[RosterRow], *, kind: str, user) -> RosterCheck:
    """Judge every row; a row is good only if it could be imported as it stands."""
    today = timezone.localdate()
    lookup = _Lookup(user, rows)
    checked = [(row, *_check_one(row, kind, lookup, today)) for row in rows]

    phones_in_db = _existing("phone", {d["phone"] for _r, d, _e in checked if d["phone"]})
    digests_in_db = _existing(
        "id_number_digest", {d["id_number_digest"] for _r, d, _e in checked} - {""}
    )
    first_phone: dict[str, int] = {}
    first_id: dict[str, int] = {}
    result = RosterCheck()
    for row, data, reasons in checked:
        phone, digest = data["phone"], data["id_number_digest"]
        if phone in first_phone:
            reasons.append(_("手机号与第 %(row)d 行重复") % {"row": first_phone[phone]})
        elif phone:
            first_phone[phone] = row.row
            if phone in phones_in_db:
                reasons.append(_("手机号已登记，此人已在系统中"))
        if digest and digest in first_id:
            reasons.append(_("身份证号与第 %(row)d 行重复") % {"row": first_id[digest]})
        elif digest:
            first_id[digest] = row.row
            if digest in digests_in_db:
                reasons.append(_("身份证号已登记，此人已在系统中"))
        if reasons:
            result.bad.append({"row": row.row, "real_name": data["real_name"], "reasons": reasons})
        else:
            result.good.append(data)
    return result
