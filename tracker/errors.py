"""The tracker's error tree, drawn once so callers know what to catch.

TrackerError                      every error the tracker raises on purpose
├── ConfigError                   a config file is missing, malformed or invalid (names file, key, expectation)
├── CountryCodeError              a country code is unknown for the source that spoke it
├── SchemaError                   a frame does not match its table's canonical schema; nothing was written
├── StoreError                    the Parquet store cannot complete an operation
│   ├── StoreLockedError          another process holds the writer lock
│   ├── StoreCorruptError         a pointer or data file cannot be read (names it; `store check` says more)
│   ├── StoreWriteError           the operating system refused a write (disk full, read-only); nothing changed
│   └── DiskSpaceError            too little free space for a download, found before it started
├── SchedulerLockedError          another scheduler already runs on the same data folder
├── ExportError                   an export names an unknown table, format, group or country
└── FetchError                    a request to a public source failed
    ├── TransientFetchError       retrying may help: timeout, connection error, HTTP 429 or 5xx
    └── TerminalFetchError        retrying will not help
        ├── HTTPStatusError       HTTP 4xx other than 429
        └── PayloadError          the body is not the shape the source promises

`transient` on each class tells the HTTP client whether another attempt can help (see dlt's split of
transient and terminal errors). Lower-layer exceptions are converted at the boundary with `raise ... from`.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    transient: bool = False


class UsageError(TrackerError):
    """A command-line flag holds a value the tracker does not accept; the message names the flag and the value."""


class ConfigError(TrackerError):
    """A configuration file is invalid; the message names the file, the key and what was expected."""

    def __init__(self, file: str, key: str, expected: str, got: object | None = None) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        detail = f"; got {got!r}" if got is not None else ""
        super().__init__(f"{file}: {key}: expected {expected}{detail}")


class CountryCodeError(TrackerError):
    """A country code that the country reference does not know for this source."""

    def __init__(self, source: str, codes: object) -> None:
        self.source = source
        self.codes = codes
        super().__init__(f"unknown {source} country code(s): {codes}")


class SchemaError(TrackerError):
    """A frame does not match the canonical schema of its table; the store refused it whole."""

    def __init__(self, table: str, problem: str) -> None:
        self.table = table
        self.problem = problem
        super().__init__(f"table {table!r} refused the frame: {problem}")


class StoreError(TrackerError):
    """The store could not complete an operation."""


class StoreLockedError(StoreError):
    """Another process is writing to the same store."""


class StoreCorruptError(StoreError):
    """A table's pointer or one of its data files cannot be read; the message names it and what to do."""


CHECK_HINT = "run `python -m tracker store check` for details"  # what a StoreCorruptError's message ends with


class StoreWriteError(StoreError):
    """The operating system refused a write (disk full, read-only folder...); the live table is unchanged."""


class DiskSpaceError(StoreError):
    """A download would not fit on the disk (checked before it starts); the message says what is needed."""


class SchedulerLockedError(TrackerError):
    """Another scheduler (or `schedule --run-now`) already holds the data folder."""


class ExportError(TrackerError):
    """An export request names an unknown table, format, group or country."""


class FetchError(TrackerError):
    """A request to a public source failed."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.detail = message  # the message without the source's name, for texts that already name it
        super().__init__(f"{source}: {message}")


class TransientFetchError(FetchError):
    """A failure that another attempt may cure (timeout, connection error, 429, 5xx)."""

    transient = True


class TerminalFetchError(FetchError):
    """A failure that another attempt will not cure."""


class HTTPStatusError(TerminalFetchError):
    """The source answered with a 4xx status other than 429."""

    def __init__(self, source: str, status_code: int, message: str) -> None:
        self.status_code = status_code
        super().__init__(source, message)


class PayloadError(TerminalFetchError):
    """The body is not the shape the source promises (HTML error page, truncated JSON, missing fields...)."""
