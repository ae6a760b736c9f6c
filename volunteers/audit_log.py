"""Reading the audit log (审计日志): what each event is called, its details, its filters, its file.

Who may read which events is ``selectors.audit_events_visible_to`` (the one rule); this
module turns the stored rows into what a secretary reads: a Chinese name for each action,
the details of ``extra`` as "原因：…" lines with phones and ID numbers masked, the filters
of the list, and the .xlsx of a filtered list.
"""

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from core.masking import mask_id_number, mask_phone
from core.spreadsheets import append_row, workbook_bytes
from volunteers.models import (
    AuditEvent,
    Membership,
    Organisation,
    Person,
    Resource,
    RosterImport,
)
from volunteers.selectors import audit_events_visible_to

# One export holds at most this many events: a write-only workbook of 10,000 rows is
# ~1 MB and ~2 s; a longer period is narrowed by its dates or exported in parts.
EXPORT_LIMIT = 10_000

# Every action written by ``audit_record`` (grep `action="` in volunteers, points, cms, api
# and demo), by its Chinese name. An action missing here is shown as it is stored.
ACTION_LABELS: dict[str, Any] = {
    "membership.grant": _("任命角色"),
    "membership.end": _("结束角色"),
    "join_request.approve": _("通过加入申请"),
    "join_request.refuse": _("拒绝加入申请"),
    "organisation.add": _("新建组织"),
    "organisation.rename": _("组织改名"),
    "organisation.move": _("调整组织隶属"),
    "organisation.close": _("撤销组织"),
    "organisation.based_in": _("设置小分队所在社区"),
    "person.update": _("修改人员资料"),
    "person.update_own": _("本人修改资料"),
    "person.claim": _("认领人员档案"),
    "person.unclaim": _("解除档案认领"),
    "roster.import": _("导入名册"),
    "roster.export": _("导出名册"),
    "report.confirm": _("确认在职党员报到"),
    "report.reject": _("退回在职党员报到"),
    "activity.cancel": _("取消活动"),
    "attendance.add": _("补录出勤"),
    "attendance.remove": _("删除出勤"),
    "points.adjust": _("调整积分"),
    "points.reverse": _("冲正积分"),
    "points_rule.create": _("新增积分规则"),
    "points_rule.update": _("修改积分规则"),
    "points_rule.delete": _("删除积分规则"),
    "points_policy.update": _("修改积分政策"),
    "servicerecord.backfill": _("补录服务时长"),
    "servicerecord.approve": _("通过服务时长"),
    "servicerecord.reject": _("驳回服务时长"),
    "servicerecord.revoke": _("撤销服务时长"),
    "rankings.publish": _("公示排行榜"),
    "objection.lodge": _("提出异议"),
    "objection.answer": _("答复异议"),
    "certificate.issue": _("开具服务证明"),
    "certificate.revoke": _("作废服务证明"),
    "shop.restock": _("爱心超市补货"),
    "shop.hand_over": _("爱心超市发放兑换"),
    "shop.cancel": _("爱心超市取消兑换"),
    "dual_report.deliver": _("发送双报到反馈表"),
    "need.submit": _("居民提交微心愿"),
    "need.record": _("登记需求"),
    "need.publish": _("审核公开需求"),
    "need.close": _("关闭需求"),
    "need.campaign": _("设置需求的提升行动"),
    "need.claim": _("认领需求"),
    "claim.withdraw": _("撤回认领"),
    "claim.report": _("提交认领完成情况"),
    "claim.confirm": _("确认认领完成"),
    "resource.add": _("登记资源"),
    "resource.update": _("修改资源"),
    "resource.retire": _("停用资源"),
    "demo.seed": _("生成演示数据"),
    "audit_log.export": _("导出审计日志"),
    "api_key.create": _("新建接口密钥"),
    "api_key.revoke": _("停用接口密钥"),
}

# The keys of ``extra`` by their Chinese names (grep `audit_record(` in volunteers, points,
# cms and demo, and the keys of the ``changes`` and ``values`` they write). A key that is a
# field of a model registered below (``register_detail_fields``) is named by the field's
# ``verbose_name``; any other key is shown as "其他", never as the English stored.
DETAIL_LABELS: dict[str, Any] = {
    "reason": _("原因"),
    "note": _("备注"),
    "answer": _("答复"),
    "role": _("角色"),
    "amount": _("积分"),
    "points": _("积分"),
    "balance_after": _("调整后余额"),
    "negative_confirmed": _("已确认余额为负"),
    "category": _("类别"),
    "minutes": _("分钟"),
    "total_minutes": _("累计分钟"),
    "changes": _("修改"),
    "values": _("内容"),
    "kind": _("类型"),
    "file_name": _("文件名"),
    "imported": _("导入人数"),
    "skipped": _("跳过人数"),
    "rows_with_problems": _("有问题的行数"),
    "delta": _("库存变动"),
    "stock": _("库存"),
    "code": _("编码"),
    "start_date": _("开始日期"),
    "end_date": _("结束日期"),
    "refunded": _("退还积分"),
    "certificate": _("证明编号"),
    "month": _("月份"),
    "quarter": _("季度"),
    "created": _("生成条数"),
    "notice_until": _("公示截止"),
    "outcome": _("结果"),
    "audience": _("适用对象"),
    "rows": _("条数"),
    "recipient_ids": _("收件人数"),
    "filters": _("筛选条件"),
    "memberships_ended": _("结束的角色数"),
    "old_name": _("原名称"),
    "new_name": _("新名称"),
    "old_parent": _("原上级"),
    "new_parent": _("新上级"),
    "community": _("所在社区"),
    "campaign": _("提升行动"),
    "old_campaign": _("原提升行动"),
    "real_name": _("姓名"),
    "phone": _("手机号"),
    "id_number": _("身份证号"),
    "political_status": _("政治面貌"),
    "home_grid": _("所属网格"),
    "skills": _("技能特长"),
    # The filters of an export (``AuditEventFilterSet.chosen``).
    "person": _("相关人员"),
    "action": _("事件"),
    "created_at": _("日期"),
    "target_type": _("对象类型"),
    "target_id": _("对象编号"),
    # Keys of other objects: the page and the file leave out every ``*_id`` (the row names
    # its object and person already); these name them should a reader ask for them.
    "activity_id": _("活动编号"),
    "record_id": _("服务记录编号"),
    "entry_id": _("积分流水编号"),
    "reversal_id": _("冲正流水编号"),
    "snapshot_id": _("公示编号"),
    "objection_id": _("异议编号"),
    "reward_id": _("商品编号"),
    "redemption_id": _("兑换编号"),
    "policy_id": _("政策编号"),
    "rule_id": _("规则编号"),
    "roster_import_id": _("导入编号"),
    "report_id": _("报到编号"),
    "parent_id": _("上级编号"),
    "old_parent_id": _("原上级编号"),
    "new_parent_id": _("新上级编号"),
    "community_id": _("所在社区编号"),
    "old_community_id": _("原所在社区编号"),
    "previous_community_id": _("原报到社区编号"),
    "previous_grid_id": _("原网格编号"),
}
# The same key means another thing in one action's details: the demo seed's counts.
ACTION_DETAIL_LABELS: dict[str, dict[str, Any]] = {
    "demo.seed": {
        "organisations": _("组织数"),
        "people": _("人数"),
        "memberships": _("角色数"),
        "users": _("账号数"),
        "reports": _("报到数"),
        "activities": _("活动数"),
        "signups": _("报名数"),
        "attendances": _("出勤数"),
        "points": _("积分流水数"),
        "snapshots": _("排行榜公示数"),
    },
}
# Shown by "其他" when a key has no name here nor as a registered model's field.
UNKNOWN_LABEL = _("其他")
# Shown by the person's name elsewhere in the row, never as a bare key.
HIDDEN_DETAILS = frozenset({"person_id"})

# The models whose fields an event's ``changes`` or ``values`` name: a field's key is shown
# by its ``verbose_name``. A higher layer registers its own (points' rules) in its apps.py.
DETAIL_MODELS: list[type[models.Model]] = [Person, Organisation, Membership, Resource]


def register_detail_fields(model: type[models.Model]) -> None:
    """Name the keys that are ``model``'s fields by their ``verbose_name`` in the audit log."""
    if model not in DETAIL_MODELS:
        DETAIL_MODELS.append(model)


def _field_label(key: str) -> str | None:
    """The Chinese ``verbose_name`` of a registered model's field called ``key``, if any."""
    for model in DETAIL_MODELS:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        label = str(getattr(field, "verbose_name", "") or "")
        if label and not label.isascii():  # not Django's English default ("updated at")
            return label
    return None


# Values of ``extra`` that are the codes of a choice, by key: shown by their names. A
# higher layer names its own (points' categories, say) when it starts, in its apps.py.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "role": dict(Membership.Role.choices),
    "kind": {**dict(Organisation.Kind.choices), **dict(RosterImport.Kind.choices)},
    "political_status": dict(Person.PoliticalStatus.choices),
    "reason": {"unverified_account": _("账号逾期未验证手机号，自动解除")},
}


def register_detail_choices(key: str, choices: Iterable[tuple[str, Any]]) -> None:
    """Show the values of ``extra[key]`` by these choices' names in the audit log."""
    VALUE_LABELS.setdefault(key, {}).update(dict(choices))


# Values of ``extra`` shown through a function, by key (a quarter's "2026Q3" as
# "2026年第3季度", registered by points); a value it cannot read is shown as stored.
VALUE_FORMATTERS: dict[str, Callable[[Any], Any]] = {
    "recipient_ids": lambda value: _recipients(value),  # how many were sent it
    "action": lambda value: action_label(str(value)),  # an export's filter
    "target_type": lambda value: _target_type_name(value),
}


def register_detail_formatter(key: str, formatter: Callable[[Any], Any]) -> None:
    """Show the values of ``extra[key]`` as ``formatter(value)`` in the audit log."""
    VALUE_FORMATTERS[key] = formatter


def _recipients(value: Any) -> Any:
    return len(value) if isinstance(value, list | tuple) else value


def _target_type_name(value: Any) -> Any:
    app_label, _dot, model = str(value).partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        return value
    return target_type_label(content_type) or value


# A mainland mobile number, and an ID number (18 characters, or the old 15 digits), where
# no digit or letter runs on either side: a volunteer number or an entry key is left alone.
_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def masked(text: str) -> str:
    """Phones and ID numbers anywhere in ``text`` masked (``core.masking``), the rest as it is."""
    text = _ID_NUMBER.sub(lambda match: mask_id_number(match.group()), text)
    return _PHONE.sub(lambda match: mask_phone(match.group()), text)


def detail_label(key: str, action: str = "") -> str:
    """A key of ``extra`` by its Chinese name: this action's own, the common one, a
    registered model's field's ``verbose_name``, else "其他"."""
    label = ACTION_DETAIL_LABELS.get(action, {}).get(key) or DETAIL_LABELS.get(key)
    if label is not None:
        return str(label)
    return _field_label(key) or str(UNKNOWN_LABEL)


def _formatted(key: str, value: Any) -> Any:
    formatter = VALUE_FORMATTERS.get(key)
    if formatter is None:
        return value
    try:
        return formatter(value)
    except (AttributeError, LookupError, TypeError, ValueError):
        return value  # not in the form the formatter reads: as stored


def _shown(key: str, value: Any, *, pair: bool = False) -> str:
    """One value of ``extra`` as text: a role by its name, a change's [old, new] as
    "old → new", phones and ID numbers masked."""
    names = VALUE_LABELS.get(key, {})
    if isinstance(value, str) and value in names:
        return str(names[value])
    if value is None or value == "":
        return "—"
    if not pair:
        value = _formatted(key, value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):
        return "；".join(
            f"{detail_label(name)}：{_shown(name, inner, pair=key == 'changes')}"
            for name, inner in value.items()
        )
    if isinstance(value, list | tuple):
        if pair and len(value) == 2:
            return f"{_shown(key, value[0])} → {_shown(key, value[1])}"
        return "、".join(_shown(key, inner) for inner in value)
    return masked(str(value))


def event_details(
    event: AuditEvent, *, with_ids: bool = False, skip: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(label, text) for each entry of the event's ``extra``, masked; ``*_id`` keys (other
    objects' database keys, which mean nothing to a reader) only when asked for."""
    extra = event.extra if isinstance(event.extra, dict) else {"": event.extra}
    details = []
    for key, value in extra.items():
        if key in HIDDEN_DETAILS or key in skip or (not with_ids and key.endswith("_id")):
            continue
        if value is None or value == "":
            continue  # nothing was given (no reason for a role granted, say)
        details.append((detail_label(key, event.action), _shown(key, value)))
    return details


# What the export shows in its own column, the first of these that the event has.
REASON_KEYS = ("reason", "note")


def event_reason(event: AuditEvent) -> str:
    extra = event.extra if isinstance(event.extra, dict) else {}
    key = next((key for key in REASON_KEYS if extra.get(key)), "")
    return _shown(key, extra[key]) if key else ""


def actor_name(event: AuditEvent) -> str:
    if event.actor is None:
        return str(_("系统"))
    person = getattr(event.actor, "person", None)
    return person.real_name if person is not None else event.actor.get_username()


def target_type_key(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def target_type_label(content_type: ContentType | None) -> str:
    model = content_type.model_class() if content_type is not None else None
    return str(model._meta.verbose_name) if model is not None else ""


# --- The filters --------------------------------------------------------------------------


class DateRangeWidget(DateRangePickerWidget):
    """Wagtail's pair of date boxes, with our own placeholders (its Chinese one has a typo)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.widgets[0].attrs["placeholder"] = _("起始日期")
        self.widgets[1].attrs["placeholder"] = _("结束日期")


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        span = cleaned.get("created_at")
        if span is not None and span.start and span.stop and span.start > span.stop:
            self.add_error("created_at", _("开始日期不能晚于结束日期。"))
        return cleaned


class AuditEventFilterSet(WagtailFilterSet):
    """Person, action, date range (Shanghai days) and object; a junk value is a form error
    in Chinese, and the other filters still apply."""

    person = django_filters.CharFilter(
        label=_("相关人员"),
        method="filter_person",
        help_text=_("姓名或志愿者编号"),
    )
    action = django_filters.ChoiceFilter(
        label=_("事件"),
        empty_label=_("全部"),
        error_messages={"invalid_choice": _("没有这种事件。")},
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("日期"), widget=DateRangeWidget)
    target_type = django_filters.ChoiceFilter(
        label=_("对象类型"),
        empty_label=_("全部"),
        method="filter_target_type",
        error_messages={"invalid_choice": _("没有这种对象类型。")},
    )
    target_id = django_filters.CharFilter(
        label=_("对象编号"),
        method="filter_target_id",
        max_length=64,
        validators=[RegexValidator(r"^\d+$", _("对象编号应为数字。"))],
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        visible = audit_events_visible_to(user).order_by()
        actions = sorted(set(visible.values_list("action", flat=True).distinct()))
        self.filters["action"].extra["choices"] = sorted(
            ((action, action_label(action)) for action in actions),
            key=lambda choice: (choice[0] not in ACTION_LABELS, choice[1]),
        )
        type_ids = set(visible.exclude(target_type=None).values_list("target_type", flat=True))
        types = ContentType.objects.filter(pk__in=type_ids)
        self.content_types = {target_type_key(ct): ct for ct in types}
        self.filters["target_type"].extra["choices"] = sorted(
            ((key, target_type_label(ct) or key) for key, ct in self.content_types.items()),
            key=lambda choice: choice[1],
        )

    def filter_person(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        value = value.strip()
        if value.isdigit():  # ?person=<pk>, as a person's own page links here
            return queryset.filter(person_id=int(value))
        return queryset.filter(
            Q(person__real_name__icontains=value)
            | Q(person__volunteer_number__iexact=value)
            # Older events name the person only in the object's name.
            | Q(person__isnull=True, target__icontains=value)
        )

    def filter_target_type(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        return queryset.filter(target_type=self.content_types[value])

    def filter_target_id(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> Any:
        if not self.form.cleaned_data.get("target_type"):
            return queryset  # a key means nothing without its type
        return queryset.filter(target_id=value.strip())

    @property
    def chosen(self) -> dict[str, str]:
        """The filters that apply, as text, for the export's audit record."""
        chosen = {}
        for name, value in getattr(self.form, "cleaned_data", {}).items():
            if isinstance(value, slice):
                value = "" if value == slice(None) else f"{value.start or ''}–{value.stop or ''}"
            if value not in (None, ""):
                chosen[name] = str(value)
        return chosen


# --- The file -----------------------------------------------------------------------------

EXPORT_HEADERS = [
    _("时间"),
    _("操作人"),
    _("事件"),
    _("事件代码"),
    _("对象"),
    _("对象类型"),
    _("对象编号"),
    _("相关人员"),
    _("组织"),
    _("原因"),
    _("详情"),
]


def export_rows(events: Iterable[AuditEvent]) -> Iterator[list[Any]]:
    for event in events:
        details = event_details(event, skip=REASON_KEYS)
        yield [
            timezone.localtime(event.created_at).replace(tzinfo=None),
            actor_name(event),
            action_label(event.action),
            event.action,
            masked(event.target),
            target_type_label(event.target_type),
            event.target_id,
            event.person.real_name if event.person is not None else "",
            event.organisation.name if event.organisation is not None else "",
            event_reason(event),
            "；".join(f"{label}：{text}" for label, text in details),
        ]


def audit_log_workbook(events: QuerySet[AuditEvent]) -> bytes:
    """The events as one sheet, row by row (write-only: memory stays flat)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("审计日志")))
    append_row(sheet, [str(header) for header in EXPORT_HEADERS], font=Font(bold=True))
    for row in export_rows(events.iterator(chunk_size=1000)):
        append_row(sheet, row)
    return workbook_bytes(workbook)


def export_filename(now: datetime.datetime | None = None) -> str:
    return f"审计日志-{timezone.localtime(now or timezone.now()):%Y%m%d-%H%M}.xlsx"
