"""Plain text from people: one check for what a service stores and pages show.

Pages escape what they show, so markup could not run; but a need's title with ``<b>`` in
it shows the tags to every reader, and what someone pasted from a rich editor is rarely
what they meant. Texts are therefore refused, with a Chinese message naming the field,
when they hold markup or control characters, and trimmed (a single line collapses its
whitespace; a multi-line text keeps its line breaks).
"""

import re

from django.utils.translation import gettext as _

from core.errors import Invalid

# A tag, a comment or a declaration: "<" followed by a letter, "/" or "!". A lone "<" (3<5)
# is ordinary text.
_MARKUP = re.compile(r"<\s*[A-Za-z/!]")
# Control characters other than tab, line feed and carriage return (NUL among them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(
    value: str | None,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """``value`` trimmed, or ``Invalid`` saying what is wrong with it."""
    value = value or ""
    if _CONTROL.search(value):
        raise Invalid(
            f"{field}_control_characters",
            _("%(label)s含有无法处理的控制字符，请删除后重试。") % {"label": label},
            field=field,
        )
    if _MARKUP.search(value):
        raise Invalid(
            f"{field}_markup",
            _("%(label)s不能包含网页代码（如 <b>、<script>），请只填写文字。") % {"label": label},
            field=field,
        )
    if multiline:
        lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
        value = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        value = " ".join(value.split())
    if required and not value:
        raise Invalid(f"{field}_required", _("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > max_length:
        raise Invalid(
            f"{field}_too_long",
            _("%(label)s最多 %(n)d 个字。") % {"label": label, "n": max_length},
            field=field,
        )
    return value
