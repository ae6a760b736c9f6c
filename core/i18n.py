"""Remember each translation's answers: Chinese-first strings miss every catalog.

Our msgids are the Chinese text itself, so in zh-hans almost every ``{% translate %}``
and ``_()`` misses Django's merged catalog (19 catalogs, one per plural formula) and
then walks the fallback chain that merging leaves behind: each installed app with a
``zh`` catalog beside its ``zh_Hans`` one adds a link, eleven here, and every link
evaluates its plural formula before giving up. The benchmark profiled ~0.1 ms per
miss under load, ~35 misses on a check-in's result page and hundreds on an uncached
home page (issue 8).

A translation object's catalogs never change once loaded (Django builds new objects
when LANGUAGES or LOCALE_PATHS change), so its answer to a message can be remembered.
The memo is per object and bounded: text passed to ``_()`` at run time cannot grow it
without limit.
"""

from collections.abc import Callable
from gettext import NullTranslations

from django.utils.translation import trans_real

# DjangoTranslation.gettext, as inherited from gettext.NullTranslations
_Gettext = Callable[[NullTranslations, str], str]

MEMO_LIMIT = 20_000
_MEMO = "_shazhou_gettext_memo"


def _remembering(gettext: _Gettext) -> _Gettext:
    def remembering_gettext(self: NullTranslations, message: str) -> str:
        memo: dict[str, str] | None = self.__dict__.get(_MEMO)
        if memo is None:
            memo = self.__dict__[_MEMO] = {}
        try:
            return memo[message]
        except KeyError:
            pass
        # trans_real.gettext hands over a plain str and re-marks safe text itself, so a
        # plain str is what is kept and returned.
        result = str.__str__(gettext(self, message))
        if len(memo) < MEMO_LIMIT:
            memo[message] = result
        return result

    remembering_gettext.remembers = True  # type: ignore[attr-defined]  # a mark on the function
    return remembering_gettext


def install() -> None:
    """Wrap DjangoTranslation.gettext once (called from CoreConfig.ready)."""
    translation_class = trans_real.DjangoTranslation
    if not getattr(translation_class.gettext, "remembers", False):
        # Replacing the method is the point (see the docstring); mypy refuses any such assignment.
        translation_class.gettext = _remembering(translation_class.gettext)  # type: ignore[method-assign,assignment]
