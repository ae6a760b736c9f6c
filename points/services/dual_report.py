"""双报到反馈, delivered: each quarter every employer unit's contacts are sent its .xlsx.

``dual_report_deliver`` builds the unit's workbook with the report's own code, keeps it
on the private storage, records the delivery and tells each current unit contact
(单位联络人), with a link to the checked download. Once per unit and quarter: the
delivery's unique constraint decides, so a second call (a job run again, delivered
twice, or two at once) returns the first delivery and sends nothing. A unit without a
contact is recorded all the same, with no recipients, so the secretaries see it was
left unsent; a contact appointed later finds the file on the deliveries page.
"""

import datetime
from urllib.parse import urlencode

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Invalid
from points.models import DualReportDelivery
from points.periods import (
    PeriodKind,
    local_date,
    period_bounds,
    period_kind,
    period_label,
    quarter_key,
)
from points.selectors.dual_report import build_dual_xlsx, dual_rows_all
from points.selectors.dual_report_deliveries import unit_contacts
from points.selectors.tables import hours
from volunteers.models import Notification, Organisation, Person
from volunteers.services.audit import audit_record
from volunteers.services.notifications import notify


def quarter_just_ended(at: datetime.datetime | None = None) -> str:
    """The quarter before the one ``at`` (default now) falls in, in Shanghai."""
    today = local_date(at or timezone.now())
    first = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return quarter_key(first - datetime.timedelta(days=1))


def is_quarter(key: str) -> bool:
    try:
        return period_kind(key) == PeriodKind.QUARTER
    except ValueError:
        return False


def _check(unit: Organisation, quarter: str, now: datetime.datetime) -> None:
    if unit.kind != Organisation.Kind.UNIT:
        raise Invalid("not_unit", _("双报到反馈只发送给在职单位。"), field="unit")
    if not is_quarter(quarter):
        raise Invalid("bad_quarter", _("没有“%(key)s”这个季度。") % {"key": quarter[:20]})
    _start, end = period_bounds(quarter)
    if end is not None and end > now:
        # Sent once per quarter: figures sent before the quarter ends would be final.
        raise Invalid(
            "quarter_not_over",
            _("%(quarter)s还没有结束，结束后才能发送双报到反馈。")
            % {"quarter": period_label(quarter)},
        )


def dual_report_deliver(*, unit: Organisation, quarter: str) -> DualReportDelivery:
    """Build, keep and send ``unit``'s 双报到反馈 of ``quarter``; once, whoever calls."""
    now = timezone.now()
    _check(unit, quarter, now)
    existing = DualReportDelivery.objects.filter(unit=unit, quarter=quarter).first()
    if existing is not None:
        return existing
    rows = list(dual_rows_all(unit, quarter))
    content = build_dual_xlsx(unit, quarter, rows)
    delivery = DualReportDelivery(
        unit=unit,
        quarter=quarter,
        sent_at=now,
        rows=len(rows),
        points=sum(row.points for row in rows),
        minutes=sum(row.minutes for row in rows),
    )
    delivery.file.save(f"dual-report-{unit.pk}-{quarter}.xlsx", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    delivery.save()
            except IntegrityError:
                # Delivered meanwhile by another run: theirs stands, and they told the contacts.
                delivery.file.delete(save=False)
                return DualReportDelivery.objects.get(unit=unit, quarter=quarter)
            contacts = unit_contacts([unit.pk]).get(unit.pk, [])
            delivery.recipients.set(contacts)
            for person in contacts:
                _tell(person, delivery)
            audit_record(
                actor=None,
                action="dual_report.deliver",
                target=delivery,
                organisation=unit,
                quarter=quarter,
                recipient_ids=[p.pk for p in contacts],
                rows=delivery.rows,
            )
    except BaseException:
        if delivery.file.name:
            delivery.file.storage.delete(delivery.file.name)  # not recorded, so not kept
        raise
    return delivery


def _tell(person: Person, delivery: DualReportDelivery) -> None:
    facts = {
        "unit": delivery.unit.name,
        "quarter": period_label(delivery.quarter),
        "rows": delivery.rows,
        "hours": hours(delivery.minutes),
        "points": delivery.points,
    }
    notify(
        person=person,
        kind=Notification.Kind.DUAL_REPORT,
        key=f"dual_report:{delivery.pk}:{person.pk}",
        title=_("双报到反馈：%(unit)s%(quarter)s") % facts,
        body=_(
            "%(unit)s在职党员%(quarter)s在报到社区的服务情况已生成：在职党员 %(rows)d 人，"
            "服务 %(hours)s 小时，社区服务积分 %(points)d 分。请打开查看并下载 Excel 表。"
        )
        % facts,
        # The quarter's list, where the file is one tap away: opening a notice should not
        # start a download the phone may not show.
        url=f"{reverse('points:dual_report_deliveries')}?{urlencode({'period': delivery.quarter})}",
    )
