"""Chinese-aware site search on top of Wagtail's database search backend.

Full-text engines split words at spaces and punctuation; Chinese has neither, so a
whole sentence would be one "word" and a search for 红马甲 would find nothing. Pages
therefore index an extra field where every run of Chinese characters is spelled out
as its single characters and its overlapping pairs (红 马 甲 红马 马甲), and a query
is turned into pairs the same way and searched with AND. Only letters, digits and
CJK characters ever reach the engine, so no query string can break its syntax.
"""

import re

MAX_QUERY_LENGTH = 80
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[A-Za-z0-9]+")
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(raw: str | None) -> str:
    """What the visitor typed, trimmed to something safe to echo and to search."""
    text = _CONTROL.sub(" ", raw or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_index_text(text: str) -> str:
    """单字 and 双字 for Chinese runs, lower-cased words for the rest."""
    tokens: list[str] = []
    for run in _RUNS.findall(text or ""):
        if _CJK_RUN.match(run):
            tokens.extend(run)
            tokens.extend(_pairs(run))
        else:
            tokens.append(run.lower())
    return " ".join(tokens)


def cjk_query_terms(query: str) -> list[str]:
    """The terms a query must all match: pairs of each Chinese run, whole other words."""
    terms: list[str] = []
    for run in _RUNS.findall(query or ""):
        if _CJK_RUN.match(run):
            terms.extend(_pairs(run) if len(run) > 1 else [run])
        else:
            terms.append(run.lower())
    # Keep the order, drop repeats; a very long query is cut to its first terms.
    seen: dict[str, None] = dict.fromkeys(terms)
    return list(seen)[:12]
