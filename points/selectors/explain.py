"""One line of Chinese for each ledger line, for "我的积分".

Built from the data frozen on the line when it was written, so it stays true
after a town admin edits the rule: e.g. “文明交通劝导 2小时 × 1分/小时 = 2分”, and
with its rounding: “文明交通劝导 1小时58分钟 × 1分/小时 = 约1.97分，四舍五入计 2分”,
“文明交通劝导 1小时58分钟，按30分钟就近取整计 2小时 × 1分/小时 = 2分”. A claim
(双项认领) names its need: “双项认领「为独居老人更换水龙头」服务 2小时：每次 2分 + 每小时
1分，计 4分”.
"""

from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from points.models import Category, Kind, PointsEntry

CAP_LABELS = {
    "daily": lambda: _("本类别每日上限"),
    "yearly": lambda: _("本类别年度上限"),
    "rubric_item": lambda: _("本年度积分细则单项上限"),
    "rubric_total": lambda: _("年度积分上限"),
}
# A claims rule's own caps are over claims, not an activity category.
CLAIM_CAP_LABELS = CAP_LABELS | {
    "daily": lambda: _("双项认领每日上限"),
    "yearly": lambda: _("双项认领年度上限"),
}


def duration_text(minutes: int) -> str:
    """“2小时”, “1小时30分钟”, “45分钟”."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d小时") % {"h": hours}
    return _("%(m)d分钟") % {"m": rest}


# How a line says its rounding (the rule's mode, frozen on the line).
ROUNDING_WORDS = {
    "nearest": lambda: _("就近取整"),
    "down": lambda: _("向下取整"),
    "up": lambda: _("向上取整"),
}
POINT_ROUNDING_WORDS = {
    "nearest": lambda: _("四舍五入"),
    "down": lambda: _("向下取整"),
    "up": lambda: _("向上取整"),
}


def points_text(value: Fraction) -> str:
    """“2”, “1.5”, “约1.97”: exact to two decimals, or said to be about."""
    hundredths = value * 100
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text if hundredths.denominator == 1 else _("约%(n)s") % {"n": text}


def _time_part(data: dict[str, Any], per_hour: int, minutes: int) -> str:
    unit = data.get("rounding_unit") or 1
    counted = data.get("counted_minutes", minutes)
    if counted == minutes:
        return _("%(duration)s × %(rate)d分/小时") % {
            "duration": duration_text(minutes),
            "rate": per_hour,
        }
    words = ROUNDING_WORDS.get(data.get("rounding_mode", ""), ROUNDING_WORDS["nearest"])()
    return _("%(duration)s，按%(unit)s%(rounding)s计 %(counted)s × %(rate)d分/小时") % {
        "duration": duration_text(minutes),
        "unit": duration_text(unit),
        "rounding": words,
        "counted": duration_text(counted),
        "rate": per_hour,
    }


def _cap_text(data: dict[str, Any], labels: dict[str, Any]) -> str:
    cap = data.get("cap")
    if not cap:
        return ""
    label = labels.get(cap.get("kind"), lambda: _("上限"))()
    return _("；已达%(label)s %(limit)d分（此前已得 %(used)d分），实得 %(awarded)d分") % {
        "label": label,
        "limit": cap.get("limit", 0),
        "used": cap.get("used", 0),
        "awarded": data.get("awarded", 0),
    }


def claim_explanation(data: dict[str, Any]) -> str:
    """The sentence for a claim's line (双项认领): the need, the time, the rule, the cap."""
    minutes = data.get("minutes", 0)
    per_claim = data.get("points_per_attendance", 0)
    per_hour = data.get("points_per_hour", 0)
    counted = data.get("counted_minutes", minutes)
    mode = data.get("rounding_mode") or "nearest"
    served = duration_text(minutes)
    if counted != minutes:
        served = _("%(duration)s（按%(unit)s%(rounding)s计 %(counted)s）") % {
            "duration": served,
            "unit": duration_text(data.get("rounding_unit") or 1),
            "rounding": ROUNDING_WORDS.get(mode, ROUNDING_WORDS["nearest"])(),
            "counted": duration_text(counted),
        }
    rates = []
    if per_claim:
        rates.append(_("每次 %(n)d分") % {"n": per_claim})
    if per_hour:
        rates.append(_("每小时 %(n)d分") % {"n": per_hour})
    base = data.get("base", 0)
    exact = per_claim + Fraction(counted * per_hour, 60)
    if exact != base:
        result = _(" = %(exact)s分，%(rounding)s计 %(base)d分") % {
            "exact": points_text(exact),
            "rounding": POINT_ROUNDING_WORDS.get(mode, POINT_ROUNDING_WORDS["nearest"])(),
            "base": base,
        }
    else:
        result = _("，计 %(base)d分") % {"base": base}
    text = _("双项认领「%(need)s」服务 %(served)s：%(rates)s%(result)s") % {
        "need": data.get("need", ""),
        "served": served,
        "rates": " + ".join(rates) or _("不计分"),
        "result": result,
    }
    return text + _cap_text(data, CLAIM_CAP_LABELS)


def service_explanation(data: dict[str, Any]) -> str:
    """The sentence for a service line's figures (``PointsEntry.explanation``).

    Lines written before rules had a rounding (no ``rounding_mode``) keep the sentence
    they were written with: the floor, “不足1分的部分不计”.
    """
    if data.get("source") == "claim":
        return claim_explanation(data)
    parts = []
    per_hour = data.get("points_per_hour", 0)
    minutes = data.get("minutes", 0)
    rounding = data.get("rounding_mode")
    if per_hour and rounding:
        parts.append(_time_part(data, per_hour, minutes))
    elif per_hour:
        parts.append(
            _("%(duration)s × %(rate)d分/小时")
            % {"duration": duration_text(minutes), "rate": per_hour}
        )
    else:
        parts.append(duration_text(minutes))
    if data.get("points_per_attendance"):
        parts.append(_("出勤 %(n)d分") % {"n": data["points_per_attendance"]})
    base = data.get("base", 0)
    text = f"{data.get('category', '')} {' + '.join(parts)} = "
    exact = None
    if per_hour and rounding:
        counted = data.get("counted_minutes", minutes)
        exact = data.get("points_per_attendance", 0) + Fraction(counted * per_hour, 60)
    if exact is not None and exact != base:
        words = POINT_ROUNDING_WORDS.get(rounding or "", POINT_ROUNDING_WORDS["nearest"])()
        text += _("%(exact)s分，%(rounding)s计 %(base)d分") % {
            "exact": points_text(exact),
            "rounding": words,
            "base": base,
        }
    else:
        text += _("%(base)d分") % {"base": base}
    if not rounding and per_hour and minutes % 60 and (minutes * per_hour) % 60:
        text += _("（不足1分的部分不计）")
    text += _cap_text(data, CAP_LABELS)
    if data.get("source") == "backfill":
        text += _("（补录）")
    return text


def entry_explanation(entry: PointsEntry) -> str:
    """Why this line has this amount, in one sentence."""
    data = entry.explanation or {}
    if entry.kind == Kind.SERVICE and data.get("minutes") is not None:
        return service_explanation(data)
    if entry.kind == Kind.REVERSAL:
        original = data.get("original") or {}
        about = service_explanation(original) if original.get("minutes") is not None else ""
        text = _("冲正：%(reason)s") % {"reason": entry.reason or _("更正")}
        return _("%(text)s（%(about)s）") % {"text": text, "about": about} if about else text
    if entry.kind == Kind.REDEMPTION:
        return _("兑换：%(what)s") % {"what": entry.reason or entry.source_ref or _("爱心超市")}
    if entry.kind == Kind.EXPIRY:
        return _("积分过期")
    label = Category(entry.category).label if entry.category else ""
    if not entry.reason:
        return str(label)
    return _("%(label)s：%(reason)s") % {"label": label, "reason": entry.reason}
