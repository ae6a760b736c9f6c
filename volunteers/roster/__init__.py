"""Roster spreadsheets: reading an upload, judging its rows, writing the template and export.

One column list (``columns``) serves all three, so an export can be imported again. Reading
is split in two: ``reading.read_roster`` refuses a whole file or returns raw rows, then
``checking.check_rows`` judges each row. Nothing in this package writes to the database;
``volunteers.services.roster`` does.
"""

from volunteers.roster.checking import check_rows
from volunteers.roster.columns import (
    LOOKUP_KINDS,
    MAX_ROWS,
    RosterFileError,
    columns_for,
    lookup_organisations,
)
from volunteers.roster.reading import read_roster
from volunteers.roster.workbook import build_export, build_template

__all__ = [
    "LOOKUP_KINDS",
    "MAX_ROWS",
    "RosterFileError",
    "build_export",
    "build_template",
    "check_rows",
    "columns_for",
    "lookup_organisations",
    "read_roster",
]
