"""Parameter types every router shares, bounded so no input reaches the database unchecked.

An id past the database's integer range would be a 500 on PostgreSQL ("out of range") and
on SQLite ("too large"): ``PathId`` answers it as the 400 of a malformed request instead.
"""

from typing import Annotated

from ninja import Path, Query

MAX_ID = 2_147_483_647

PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="编号")]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
