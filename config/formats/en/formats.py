"""English dates for a Chinese town's site: day month year and the 24-hour clock, as the
Chinese pages have it (“6 Dec 2026, 13:50”, not “Dec. 6, 2026, 1:50 p.m.”).

Formats with no Django name (“12月6日 13:50”) are translated strings instead: templates
write ``|date:_("n月j日 H:i")``, and site/locale/en gives “j M, H:i”.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1
