"""The request value passed from a fetcher's plan, through the runner, to the HTTP client.

It lives below both ``tracker.http`` and ``tracker.sources`` so that the client never imports a fetcher
module (lower layers never import higher ones); ``tracker.sources.base`` re-exports it for fetchers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """One HTTP GET to a source. ``params`` never holds an API key: the client adds it."""

    source: str
    path: str  # appended to the source's base URL, starts with "/"
    params: tuple[tuple[str, str], ...]  # ordered; a name may repeat (Eurostat's geo=DE&geo=FR)
    table: str  # the canonical table its rows go to
    cursor: str  # what this request covers, e.g. "A/2023/CHN/export": the incremental-loading key
    periods: tuple[str, ...] = ()  # periods the answer covers, to tell stale from fresh on a re-run
    replaces: str | None = None  # cursor of the request this one (with its siblings) replaces, e.g. after a split
    answer_statuses: tuple[int, ...] = ()  # non-2xx statuses whose body is an answer for ``parse`` (WITS's 404)

    def describe(self) -> str:
        """JSON of the request for the fetch log (no key is ever part of it)."""
        return json.dumps({"path": self.path, "params": [list(pair) for pair in self.params], "cursor": self.cursor},
                          ensure_ascii=False)
