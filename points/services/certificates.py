"""志愿服务记录证明: issuing a numbered certificate, verifying its number, revoking it.

A certificate number is ``SZC-<year>-<8 random>-<4 check>``. The random part
cannot be enumerated; the check part is a keyed digest (HMAC with the site's
secret) of the rest, so a number with any character altered is known to be
无效 before the database is asked, and nobody without the key can make a
number that passes.
"""

import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from core.identity import VOLUNTEER_NUMBER_ALPHABET
from points.models import Certificate, CertificateSettings, ServiceRecord
from points.periods import local_date
from volunteers import permissions
from volunteers.models import Organisation, Person, User
from volunteers.services.audit import audit_record

PREFIX = "SZC"
BODY_LENGTH = 8
CHECK_LENGTH = 4
ALPHABET = VOLUNTEER_NUMBER_ALPHABET
NUMBER_RE = re.compile(
    rf"^{PREFIX}-(\d{{4}})-([{ALPHABET}]{{{BODY_LENGTH}}})-([{ALPHABET}]{{{CHECK_LENGTH}}})$"
)
# Who may issue for someone else or revoke: those who manage the person (secretary, admin).
CERTIFICATE_ACTION = permissions.Action.MANAGE_PEOPLE


def _claim_row_title(row: Any) -> str:
    """A need's public title, or "项目名：岗位" for a claim on a project's post."""
    if row["claim__need__public_title"]:
        return row["claim__need__public_title"]
    return f"{row['claim__post__project__title']}：{row['claim__post__title']}"


def _check_part(base: str) -> str:
    key = hashlib.sha256(f"shazhou.certificate:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, base.encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _position in range(CHECK_LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def certificate_number_new(year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    base = f"{PREFIX}-{year:04d}-{body}"
    return f"{base}-{_check_part(base)}"


def normalise_number(value: str) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()


def certificate_number_is_well_formed(number: str) -> bool:
    """Format and check part; False for any altered or made-up number."""
    match = NUMBER_RE.match(number or "")
    if not match:
        return False
    base = number.rsplit("-", 1)[0]
    return hmac.compare_digest(_check_part(base), match.group(3))


def certificate_lookup(number: str) -> Certificate | None:
    """The certificate a (typed or scanned) number names, or None: then it is 无效."""
    number = normalise_number(number)
    if not certificate_number_is_well_formed(number):
        return None
    return (
        Certificate.objects.select_related("person", "issuing_organisation")
        .filter(number=number)
        .first()
    )


def issuing_organisation_for(person: Person) -> Organisation:
    """The community the person lives in (or reported to); the town when neither is known."""
    for node in (person.home_grid, person.reported_community):
        if node is None:
            continue
        if node.kind == Organisation.Kind.COMMUNITY:
            return node
        community = (
            node.get_ancestors().filter(kind=Organisation.Kind.COMMUNITY).order_by("-depth").first()
        )
        if community is not None:
            return community
    return Organisation.get_first_root_node()


def service_facts(person: Person) -> dict[str, Any]:
    """The person's approved service now: minutes by year and by activity (a claim on a
    resident's need, 双项认领, is a line of its own), oldest first."""
    approved = ServiceRecord.objects.filter(person=person, status=ServiceRecord.Status.APPROVED)
    records = (
        approved.filter(activity__isnull=False)
        .values(
            "activity_id",
            "activity__title",
            "activity__starts_at",
            "activity__organisation__name",
        )
        .annotate(minutes=Sum("minutes"))
        .order_by("activity__starts_at", "activity_id")
    )
    claims = (
        approved.filter(claim__isnull=False)
        .values(
            "claim_id",
            "claim__need__public_title",
            "claim__need__community__name",
            "claim__post__title",
            "claim__post__project__title",
            "claim__post__project__community__name",
        )
        .annotate(minutes=Sum("minutes"), served_at=Min("occurred_at"))
        .order_by("served_at", "claim_id")
    )
    by_year: dict[str, int] = defaultdict(int)
    lines: list[tuple[Any, dict[str, Any]]] = []
    for row in records:
        at = row["activity__starts_at"]
        lines.append(
            (
                at,
                {
                    "title": row["activity__title"],
                    "organisation": row["activity__organisation__name"],
                    "minutes": row["minutes"],
                },
            )
        )
    for claim_row in claims:
        lines.append(
            (
                claim_row["served_at"],
                {
                    # Frozen into the certificate, which is Chinese whatever the language
                    # of the page it was issued from (as ``certificate_pdf`` writes it).
                    "title": "双项认领：" + _claim_row_title(claim_row),
                    "organisation": claim_row["claim__need__community__name"]
                    or claim_row["claim__post__project__community__name"],
                    "minutes": claim_row["minutes"],
                },
            )
        )
    activities: list[dict[str, Any]] = []
    for at, line in sorted(lines, key=lambda pair: pair[0]):
        day = local_date(at)
        by_year[str(day.year)] += line["minutes"]
        activities.append({"date": day.isoformat(), **line})
    return {
        "by_year": [{"year": year, "minutes": by_year[year]} for year in sorted(by_year)],
        "by_activity": activities,
        "total_minutes": sum(by_year.values()),
    }


def certificate_signature(organisation: Organisation) -> dict[str, Any]:
    """Who signs a certificate issued now, and the seal image stamped beside the name.

    From the default site's 证明出具 settings: their 出具单位 when set, else the
    organisation the certificate names; the seal image's id, or None for no seal.
    """
    found = (
        CertificateSettings.objects.filter(site__is_default_site=True)
        .only("issuer_name", "seal_id")
        .first()
    )
    issuer = (found.issuer_name.strip() if found is not None else "") or organisation.name
    return {"issuer": issuer, "seal_image_id": found.seal_id if found is not None else None}


@transaction.atomic
def certificate_issue(*, person: Person, by: User | None = None) -> Certificate:
    """Issue a numbered 志愿服务记录证明 stating the person's approved service today."""
    someone_else = by is not None and by.is_authenticated and by.pk != person.user_id
    if someone_else and not permissions.can(by, CERTIFICATE_ACTION, person):
        raise Forbidden("forbidden", _("您无权为该人员开具志愿服务记录证明。"))
    person = Person.objects.select_related("home_grid", "reported_community").get(pk=person.pk)
    service = service_facts(person)
    if service["total_minutes"] <= 0:
        raise Conflict(
            "no_service",
            _("还没有已认定的志愿服务时长，暂不能开具志愿服务记录证明。"),
        )
    organisation = issuing_organisation_for(person)
    now = timezone.now()
    today = timezone.localdate(now)
    facts = {
        "name": person.real_name,
        "id_number_masked": person.id_number_masked,
        "volunteer_number": person.volunteer_number,
        "organisation": organisation.name,
        "issued_on": today.isoformat(),
        **certificate_signature(organisation),
        **service,
    }
    for _attempt in range(5):
        number = certificate_number_new(today.year)
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    number=number,
                    person=person,
                    issuing_organisation=organisation,
                    issued_on=today,
                    issued_by=by if by is not None and by.is_authenticated else None,
                    facts=facts,
                    total_minutes=service["total_minutes"],
                    created_at=now,
                )
            break
        except IntegrityError:  # pragma: no cover - 31^8 bodies a year make a clash unthinkable
            continue
    else:  # pragma: no cover
        raise Conflict("busy", _("系统繁忙，请重试。"))
    audit_record(
        actor=by,
        action="certificate.issue",
        target=person,
        organisation=organisation,
        certificate=certificate.number,
        total_minutes=certificate.total_minutes,
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """A secretary or administrator withdraws a certificate, with a reason; audited."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    person = Person.objects.get(pk=certificate.person_id)
    if not permissions.can(by, CERTIFICATE_ACTION, person):
        raise Forbidden("forbidden", _("只有该人员所在社区的书记（管理员）可以撤销证明。"))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("missing_reason", _("请填写撤销原因。"), field="reason")
    if certificate.revoked_at is not None:
        raise Conflict("already_revoked", _("这份证明已经撤销过了。"))
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revoked_reason = reason[:200]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    audit_record(
        actor=by,
        action="certificate.revoke",
        target=person,
        organisation=certificate.issuing_organisation,
        certificate=certificate.number,
        reason=certificate.revoked_reason,
    )
    return certificate
