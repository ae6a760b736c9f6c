"""One line of Chinese for each ledger line, for "我的积分".

Built from the data frozen on the line when it was written, so it stays true
after a town admin edits the rule: e.g. “文明交通劝导 2小时 × 1分/小时 = 2分”.
"""

from typing import Any

from django.utils.translation import gettext as _

from points.models import Category, Kind, PointsEntry

CAP_LABELS = {
    "daily": lambda: _("本类别每日上限"),
    "yearly": lambda: _("本类别年度上限"),
    "rubric_item": lambda: _("本年度积分细则单项上限"),
    "rubric_total": lambda: _("年度积分上限"),
}


def duration_text(minutes: int) -> str:
    """“2小时”, “1小时30分钟”, “45分钟”."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d小时") % {"h": hours}
    return _("%(m)d分钟") % {"m": rest}


def _service(data: dict[str, Any]) -> str:
    parts = []
    per_hour = data.get("points_per_hour", 0)
    minutes = data.get("minutes", 0)
    if per_hour:
        parts.append(
            _("%(duration)s × %(rate)d分/小时")
            % {"duration": duration_text(minutes), "rate": per_hour}
        )
    else:
        parts.append(duration_text(minutes))
    if data.get("points_per_attendance"):
        parts.append(_("出勤 %(n)d分") % {"n": data["points_per_attendance"]})
    text = f"{data.get('category', '')} {' + '.join(parts)} = {data.get('base', 0)}分"
    if per_hour and minutes % 60 and (minutes * per_hour) % 60:
        text += _("（不足1分的部分不计）")
    cap = data.get("cap")
    if cap:
        label = CAP_LABELS.get(cap.get("kind"), lambda: _("上限"))()
        text += _("；已达%(label)s %(limit)d分（此前已得 %(used)d分），实得 %(awarded)d分") % {
            "label": label,
            "limit": cap.get("limit", 0),
            "used": cap.get("used", 0),
            "awarded": data.get("awarded", 0),
        }
    if data.get("source") == "backfill":
        text += _("（补录）")
    return text


def entry_explanation(entry: PointsEntry) -> str:
    """Why this line has this amount, in one sentence."""
    data = entry.explanation or {}
    if entry.kind == Kind.SERVICE and data.get("minutes") is not None:
        return _service(data)
    if entry.kind == Kind.REVERSAL:
        original = data.get("original") or {}
        about = _service(original) if original.get("minutes") is not None else ""
        text = _("冲正：%(reason)s") % {"reason": entry.reason or _("更正")}
        return f"{text}（{about}）" if about else text
    if entry.kind == Kind.REDEMPTION:
        return _("兑换：%(what)s") % {"what": entry.reason or entry.source_ref or _("爱心超市")}
    if entry.kind == Kind.EXPIRY:
        return _("积分过期")
    label = Category(entry.category).label if entry.category else ""
    return f"{label}：{entry.reason}" if entry.reason else str(label)
