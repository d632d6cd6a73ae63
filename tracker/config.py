"""Typed loading of the declarative TOML files in ``config/``.

Every file is validated on load: an unknown key, a wrong type, a number outside its ``BOUNDS``, a malformed
HS code, an unknown country code or a duplicate group id stops the program with one ConfigError naming the
file, the key and what was expected. ``TRACKER_CONFIG_DIR`` points at another folder;
``TRACKER_<SOURCE>_BASE_URL`` overrides a source's base URL. API keys never live here: a source names the
environment variable that holds its key.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tracker.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_IDS = ("comtrade", "census", "comext", "eurostat_ecommerce", "worldbank", "wits", "baci", "imf_weo")
BACI_HS_REVISIONS = ("HS12", "HS17", "HS22")  # the BACI downloads the importer reads (tracker.baci.layout)
GROUP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
CONFIG_HS_PATTERN = r"^(\d{2}|\d{4}|\d{6})$"
ENV_NAME_PATTERN = r"^[A-Z][A-Z0-9_]*$"
CJK_PATTERN = r"[\u4e00-\u9fff]"  # a Chinese (CJK unified) character
CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
FLOW_CHOICES = ("import", "export")
REPORT_LANGUAGES = ("en", "zh")
REPORT_FORMATS = ("html", "md")
FREQUENCY_CHOICES = ("A", "M")
MAX_CIF_FOB_FACTOR = 1.5  # freight and insurance above half the goods' value is a typo, not a margin
MAX_INCOME_ELASTICITY = 5.0  # import demand growing over five times as fast as income per head is a typo
FIRST_YEAR, LAST_YEAR = 1990, 2100  # the years any config value or command-line flag may name
MAX_GRACE_HOURS = 24 * 366  # misfire grace: a year at most (APScheduler needs a finite timedelta)
MAX_USD = 1e15  # a dollar floor above a quadrillion (40 years of world trade) can only be a typo

T = TypeVar("T")
_MISSING: Any = dataclasses.MISSING


@dataclass(frozen=True)
class Bound:
    """The accepted range of a numeric setting, both ends included.

    Every number in the config has one: an unbounded value is a typo that fails far from its cause
    (10^9 worker threads, a rate of 1e-300 requests a minute overflowing a sleep, a webhook retried for ever).
    """

    low: float
    high: float
    integer: bool = False
    kind: str = ""  # what the number is, when "a number" says too little ("a year")
    note: str = ""  # a hint after the range
    why: str = ""  # why the upper end is where it is (docs/configuration.md)

    @property
    def expected(self) -> str:
        """How messages and the docs state the range, e.g. "a whole number from 1 to 64"."""
        kind = self.kind or ("a whole number" if self.integer else "a number")
        note = f" ({self.note})" if self.note else ""
        return f"{kind} from {_number_text(self.low)} to {_number_text(self.high)}{note}"

    def admits(self, value: float) -> bool:
        return math.isfinite(value) and self.low <= value <= self.high


def _number_text(value: float) -> str:
    """``0.01``, ``2100``, ``86,400``: separators from five digits on, so that years read as years."""
    if not float(value).is_integer():
        return f"{value:g}"
    return f"{int(value):,}" if value >= 10_000 else str(int(value))


def setting(help: str, default: Any = _MISSING, *, bound: Bound | None = None, expected: str = "",
            valid: Callable[[str], bool] | None = None, default_text: str = "") -> Any:
    """Declare a config key as a dataclass field: its default (none: the key is required), what it means (``help``),
    and what a value must be: ``bound`` for a number, ``expected`` (and ``valid`` for list items) for text.

    The field is the one declaration of the key: the loaders read it (``_read_fields``), the error messages state
    its ``expected``, and docs/configuration.md is rendered from it (``settings_reference``). ``default_text``
    describes a default that depends on other keys (the loader then passes the value).
    """
    metadata = {"help": help, "bound": bound, "expected": expected, "valid": valid, "default_text": default_text}
    return dataclasses.field(default=default, metadata=metadata)


def _is_iso3(code: str) -> bool:
    from tracker.countries import is_known_iso3

    return is_known_iso3(code)


def _is_hs_code(code: str) -> bool:
    return re.fullmatch(CONFIG_HS_PATTERN, code) is not None and code[:2] not in ("00", "77", "98", "99")


def _is_indic_is(code: str) -> bool:
    return re.fullmatch(r"^[A-Z][A-Z0-9_]*$", code) is not None


_YEAR = Bound(FIRST_YEAR, LAST_YEAR, integer=True, kind="a year", why="the years every flag and table accepts")
_USD = Bound(0, MAX_USD, why="10¹⁵ USD, some 40 years of world trade")
_ENV_NAME = "the NAME of an environment variable (never the key)"
_ENABLED_HELP = "`false` switches the rule off"
_MARKET_FLOOR_HELP = "ignore markets whose imports of the group are smaller"
_AT_STAKE_HELP = "raise no alert about fewer US dollars (docs/monitoring.md)"


@dataclass(frozen=True)
class ProductGroup:
    """A light-industry product group: a named set of HS codes summed together by the metrics."""

    id: str = setting("lowercase id used in URLs, files and the CLI (unique)",
                      expected="a lowercase id of letters, digits and _ (e.g. 'home_appliances')")
    name_en: str = setting("English display name", expected="the English name")
    name_zh: str = setting("Chinese display name", expected="the Chinese name")
    hs_codes: tuple[str, ...] = setting(
        "HS 2022 codes; a group sums its codes", valid=_is_hs_code,
        expected="HS codes as strings of 2, 4 or 6 digits (chapter 01-97), e.g. \"9503\"")
    notes: str = setting("shown next to the group (revision changes, what a code covers)", "", expected="a string")
    notes_zh: str = setting("`notes` in Chinese, shown on Chinese pages (which show no notes without it)", "",
                            expected="Chinese text (at least one Chinese character)")
    proxy: bool = setting("`true` when HS has no exact heading and the basket approximates the group", False)
    ecommerce_categories: tuple[str, ...] = setting(
        "Eurostat household-survey goods categories (`indic_is` codes) that cover the group", (),
        expected="Eurostat indic_is codes such as \"I_BCLOT1\"", valid=_is_indic_is)

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def note(self, lang: str = "en") -> str:
        """The notes in ``lang``; "" when that language has none (a Chinese page never falls back to English)."""
        return self.notes_zh if lang == "zh" else self.notes


@dataclass(frozen=True, kw_only=True)
class HttpSettings:
    """Shared HTTP client behaviour: timeouts, retry budget, concurrency, cache."""

    user_agent: str = setting("User-Agent sent with every request", expected="a User-Agent string")
    connect_timeout_seconds: float = setting(
        "timeout to open a connection", 10.0,
        bound=Bound(0.1, 600, why="ten minutes to open a connection is already broken"))
    read_timeout_seconds: float = setting(
        "timeout between two bytes", 60.0, bound=Bound(0.1, 3600, why="an hour of silence between two bytes"))
    max_attempts: int = setting(
        "attempts per request, the first included (retries on timeouts, 429, 5xx)", 5,
        bound=Bound(1, 20, integer=True, why="back-off doubles up to 60 s: 20 attempts already wait about 15 minutes"))
    max_total_wait_seconds: float = setting(
        "cap on the back-off waited for one request", 300.0,
        bound=Bound(0.1, 86_400, why="a day of back-off for one request"))
    max_concurrency: int = setting(
        "requests in flight at once", 4,
        bound=Bound(1, 64, integer=True, why="one thread per request in flight; the public APIs throttle far below"))
    cache: bool = setting("on-disk HTTP cache revalidated with ETag / Last-Modified", True)
    request_deadline_seconds: float = setting(
        "overall deadline of one request: every attempt, back-off wait and the whole body; a server that drips "
        "bytes fails the request then, logged `failed` in `fetch_log`", 300.0,
        bound=Bound(1, 86_400, why="a day for one request"))
    max_body_megabytes: float = setting(
        "largest body accepted, in MB of 10⁶ bytes counted as it is decoded: a bigger body, or a gzip bomb, fails "
        "its request and is not read further", 100.0, bound=Bound(0.01, 2000, why="a body is held in memory"))
    source_deadline_seconds: float = setting(
        "deadline of one source within a fetch run: requests still unfinished then are logged `failed`, and the "
        "next source starts", 7200.0,
        bound=Bound(1, 7 * 86_400, why="a week: the scheduler runs one job at a time"))


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Who and when the tracker follows by default: the home exporter, its competitors, the years."""

    home_exporter: str = setting("the exporter the dashboard starts with and the alerts watch",
                                 expected="an ISO3 country code such as \"CHN\"")
    competitors: tuple[str, ...] = setting("exporters compared against the home exporter",
                                           expected="known ISO3 country codes", valid=_is_iso3)
    first_year: int = setting("first year of every source's default range", bound=_YEAR)
    last_year: int = setting("last year of every source's default range (not before `first_year`)", bound=_YEAR)
    cif_fob_factor: float = setting(
        "partners' CIF imports over the exporter's FOB exports: the monthly nowcast divides the markets' imports "
        "by it", 1.06, bound=Bound(1, MAX_CIF_FOB_FACTOR, note="CIF over FOB, e.g. 1.06",
                                   why="freight above half the goods' value is a typo"))
    import_income_elasticity: float = setting(
        "ε, the income elasticity of imports in the export potential's demand projection (ITC: 1 when unknown)",
        1.0, bound=Bound(0, MAX_INCOME_ELASTICITY, note="1 when unknown",
                         why="import demand growing over five times as fast as income per head is a typo"))


@dataclass(frozen=True, kw_only=True)
class SourceSettings:
    """One public source: whether it runs, where it lives, how fast it may be called, what to ask for."""

    id: str
    enabled: bool = setting("whether `fetch` and the scheduler use the source", True)
    base_url: str = setting("scheme and host; `TRACKER_<ID>_BASE_URL` overrides it",
                            expected="an http(s) URL such as https://comtradeapi.un.org")
    api_key_env: str | None = setting("the NAME of the environment variable holding the key (never the key)", None,
                                      expected=_ENV_NAME)
    requests_per_minute: float = setting(
        "rate limit honoured by the shared client, and the basis of `fetch --plan`'s times", 30.0,
        bound=Bound(0.01, 100_000, why="the lower end is one request per 100 minutes"))
    requests_per_day: int | None = setting(
        "daily cap honoured by the shared client (absent: none)", None,
        bound=Bound(1, 10_000_000, integer=True, why="more than any source allows"))
    reporters: tuple[str, ...] = setting(
        "reporters to ask for (empty = all); for `wits`, the markets whose tariffs are fetched (`EUU` for the EU; a "
        "member such as `DEU` is refused: the EU sets its tariff)", (),
        expected="known ISO3 country codes", valid=_is_iso3)
    partners: tuple[str, ...] = setting(
        "partners to ask for (`WLD` = world; empty = all); for `wits`, the exporters whose preferential rates are "
        "fetched (the MFN rate is always fetched)", (), expected="known ISO3 country codes (WLD for the world)",
        valid=_is_iso3, default_text="`[]`; `wits`: `[scope]` `home_exporter` and `competitors`")
    first_year: int = setting("overrides `[scope] first_year` for this source", bound=_YEAR,
                              default_text="`[scope] first_year`")
    last_year: int = setting(
        "overrides `[scope] last_year` for this source; `baci`: every year the release holds from `first_year` on, "
        "unless set here", bound=_YEAR, default_text="`[scope] last_year`; `baci`: 2100")
    frequencies: tuple[str, ...] = setting("`\"A\"` annual and/or `\"M\"` monthly (`wits`: only `[\"A\"]`)", ("A",),
                                           expected="\"A\" or \"M\"", valid=FREQUENCY_CHOICES.__contains__)
    flows: tuple[str, ...] = setting("`\"import\"` and/or `\"export\"`", ("import",),
                                     expected="\"import\" or \"export\"", valid=FLOW_CHOICES.__contains__)
    hs_revision: str = setting(
        "`baci` only: which BACI release zip `fetch --source baci` downloads (the revisions `import baci` reads)",
        "HS17", expected=f"one of {list(BACI_HS_REVISIONS)}")
    default_without_key: bool = setting(
        "`false`: without its key (`api_key_env` unset) the source is left out of `fetch` without `--source` "
        "(Comtrade ships `false`)", True)
    api_key_url: str | None = setting("an https page where a free key is issued, named by `fetch --plan`", None,
                                      expected="an https URL")

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))

    def api_key(self) -> str | None:
        """The key from the environment, if the source uses one and it is set."""
        if self.api_key_env is None:
            return None
        return os.environ.get(self.api_key_env) or None

    def in_default_fetch(self) -> bool:
        """Whether ``fetch`` without ``--source`` runs it: enabled, and keyed or fine without a key."""
        return self.enabled and (self.default_without_key or self.api_key() is not None)


@dataclass(frozen=True)
class CronSchedule:
    """APScheduler cron fields (strings, as APScheduler's CronTrigger accepts them)."""

    fields: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """When each source is fetched and when periodic reports are written."""

    timezone: str = setting("IANA time zone of the cron fields", "UTC",
                            expected="an IANA time zone such as \"Asia/Shanghai\"")
    misfire_grace_hours: float = setting(
        "a run missed while the scheduler was down still runs once within this window", 6.0,
        bound=Bound(0.01, MAX_GRACE_HOURS, why="a year"))
    fetch: dict[str, CronSchedule]  # [fetch.<source id>] cron tables (docs/configuration.md)
    reports: dict[str, CronSchedule]  # [reports.monthly], [reports.annual] cron tables
    shutdown_grace_seconds: float = setting(
        "on SIGTERM/SIGINT a running job may finish for this long; then it is abandoned and recorded as "
        "`interrupted`", 60.0, bound=Bound(0.1, 86_400, why="a day; service managers kill far sooner"))
    report_languages: tuple[str, ...] = setting("languages of the scheduled reports", REPORT_LANGUAGES,
                                                expected='"en" and/or "zh"', valid=REPORT_LANGUAGES.__contains__)
    report_formats: tuple[str, ...] = setting("formats of the scheduled reports", ("html",),
                                              expected='"html" and/or "md"', valid=REPORT_FORMATS.__contains__)


@dataclass(frozen=True, kw_only=True)
class ShareDropRule:
    """Home exporter's share in a market fell by more than ``threshold_pp`` points year on year."""

    enabled: bool = setting(_ENABLED_HELP, True)
    threshold_pp: float = setting("our share of a market fell by more than this many percentage points", 2.0,
                                  bound=Bound(0.01, 100, why="percentage points"))
    min_market_imports_usd: float = setting(_MARKET_FLOOR_HELP, 0.0, bound=_USD)
    min_usd_at_stake: float = setting(_AT_STAKE_HELP + ": share points lost × market imports", 0.0, bound=_USD)


@dataclass(frozen=True, kw_only=True)
class RcaCrossRule:
    """Home exporter's RCA crossed 1 between the previous and the newest year (either way)."""

    enabled: bool = setting(_ENABLED_HELP + " (down: `warning`, up: `info`)", True)
    min_usd_at_stake: float = setting(_AT_STAKE_HELP + ": |exports × (1 − 1/RCA)|", 0.0, bound=_USD)


@dataclass(frozen=True, kw_only=True)
class UnitValueUndercutRule:
    """A competitor's unit value in a market lies more than ``threshold_pct`` % below ours."""

    enabled: bool = setting(_ENABLED_HELP, True)
    threshold_pct: float = setting("a competitor's unit value in a market is more than this % below ours", 20.0,
                                   bound=Bound(0.01, 99.99, why="nothing falls by 100 % or more"))
    min_market_imports_usd: float = setting(_MARKET_FLOOR_HELP, 0.0, bound=_USD)
    min_usd_at_stake: float = setting(_AT_STAKE_HELP + ": the smaller of our and the competitor's sales in the "
                                      "market", 0.0, bound=_USD)


@dataclass(frozen=True, kw_only=True)
class ImportDropRule:
    """A market's imports of a group fell by more than ``threshold_pct`` % year on year."""

    enabled: bool = setting(_ENABLED_HELP, True)
    threshold_pct: float = setting("a market's imports of the group fell by more than this %", 15.0,
                                   bound=Bound(0.01, 99.99, why="nothing falls by 100 % or more"))
    min_market_imports_usd: float = setting(_MARKET_FLOOR_HELP, 0.0, bound=_USD)
    min_usd_at_stake: float = setting(_AT_STAKE_HELP + ": our previous-year sales in the market × the market's "
                                      "fall", 0.0, bound=_USD)


@dataclass(frozen=True, kw_only=True)
class SourceFailingRule:
    """A source has failed for ``days`` days without a success in between."""

    enabled: bool = setting(_ENABLED_HELP, True)
    days: float = setting("a source's fetches have failed for this many days with no success since", 3.0,
                          bound=Bound(0.01, 366, why="a year"))


@dataclass(frozen=True, kw_only=True)
class TariffChangeRule:
    """The tariff a tracked exporter faces in a market moved by more than ``threshold_pp`` points year on year."""

    enabled: bool = setting(_ENABLED_HELP, True)
    threshold_pp: float = setting(
        "the tariff a tracked exporter faces in a market (`group_tariff.tariff_change_pp`, newest tariff year "
        "against the year before, on the same import weights) moved by more than this many points: a rise for the "
        "home exporter or a fall for a competitor is a `warning`, the reverse `info`", 2.0,
        bound=Bound(0.01, 100, why="percentage points"))
    min_usd_at_stake: float = setting(_AT_STAKE_HELP + ": the exporter's sales in the market × the change", 0.0,
                                      bound=_USD)


@dataclass(frozen=True, kw_only=True)
class AlertSettings:
    """Alert rules and where new alerts go besides the store and the JSON-lines feed."""

    webhook_url_env: str | None = setting(
        "the NAME of the environment variable holding the webhook URL (e.g. `TRACKER_ALERT_WEBHOOK_URL`); unset "
        "variable = no webhook", None, expected="the NAME of an environment variable (never the URL)")
    webhook_timeout_seconds: float = setting(
        "per-request timeout of the webhook", 10.0,
        bound=Bound(0.1, 60, why="the alerts run in the scheduler's one job slot: a failing webhook holds it at "
                    "most 10 × 60 s plus 3 minutes of back-off"))
    webhook_max_attempts: int = setting(
        "attempts per new-alert batch (retries on errors, 429 and 5xx)", 3,
        bound=Bound(1, 10, integer=True, why="back-off 1, 2, 4 … 30 s between attempts"))
    share_drop: ShareDropRule = ShareDropRule()
    rca_cross: RcaCrossRule = RcaCrossRule()
    unit_value_undercut: UnitValueUndercutRule = UnitValueUndercutRule()
    import_drop: ImportDropRule = ImportDropRule()
    source_failing: SourceFailingRule = SourceFailingRule()
    tariff_change: TariffChangeRule = TariffChangeRule()


@dataclass(frozen=True)
class Config:
    """Everything in ``config/``, validated."""

    directory: Path
    groups: tuple[ProductGroup, ...]
    http: HttpSettings
    scope: Scope
    sources: dict[str, SourceSettings]
    schedule: Schedule
    alerts: AlertSettings = AlertSettings()

    def group(self, group_id: str) -> ProductGroup:
        for group in self.groups:
            if group.id == group_id:
                return group
        raise ConfigError("product_groups.toml", f"group {group_id!r}", f"one of {[g.id for g in self.groups]}")

    @property
    def group_ids(self) -> tuple[str, ...]:
        return tuple(group.id for group in self.groups)


# Where each settings class is read: (file, table as the docs name it, class). One row of docs per declared field.
SETTINGS_TABLES: tuple[tuple[str, str, type[Any]], ...] = (
    ("product_groups.toml", "[[group]]", ProductGroup),
    ("sources.toml", "[http]", HttpSettings),
    ("sources.toml", "[scope]", Scope),
    ("sources.toml", "[sources.<id>]", SourceSettings),
    ("schedule.toml", "(top level)", Schedule),
    ("alerts.toml", "(top level)", AlertSettings),
    ("alerts.toml", "[share_drop]", ShareDropRule),
    ("alerts.toml", "[rca_cross]", RcaCrossRule),
    ("alerts.toml", "[unit_value_undercut]", UnitValueUndercutRule),
    ("alerts.toml", "[import_drop]", ImportDropRule),
    ("alerts.toml", "[source_failing]", SourceFailingRule),
    ("alerts.toml", "[tariff_change]", TariffChangeRule),
)


def declared(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of a settings class that are config keys (declared with ``setting``)."""
    return tuple(field for field in dataclasses.fields(cls) if "help" in field.metadata)


def _bounds() -> dict[str, Bound]:
    bounds: dict[str, Bound] = {}
    for _, _, cls in SETTINGS_TABLES:
        for field in declared(cls):
            bound = field.metadata["bound"]
            if bound is not None and bounds.setdefault(field.name, bound) != bound:
                raise AssertionError(f"{field.name}: one key name, one meaning, one bound")
    return bounds


# Every numeric key of every config file, by key name (a name means the same thing wherever it appears), gathered
# from the declarations; docs/configuration.md states each one; tests/test_config.py checks both.
BOUNDS: dict[str, Bound] = _bounds()


def _toml_text(value: Any) -> str:
    """A default as it would be written in TOML (``true``, ``"UTC"``, ``["A"]``, ``7200``)."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"`{_number_text(value).replace(',', '_')}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{item}"' for item in value) + "]`"
    return "unset" if value is None else f"`{value}`"


def settings_reference() -> str:
    """The configuration reference of docs/configuration.md: one table per settings class, from the declarations.

    tests/test_docs.py checks that the docs hold exactly this text; ``python scripts/docs.py`` rewrites it.
    """
    parts: list[str] = []
    for file, table, cls in SETTINGS_TABLES:
        rows = ["| key | expects | default | meaning |", "|---|---|---|---|"]
        for field in declared(cls):
            meta = field.metadata
            bound = meta["bound"]
            if bound is not None:
                expects = bound.expected
            elif str(field.type) == "bool":
                expects = "true or false"
            elif str(field.type).startswith("tuple["):
                expects = f"a list of {meta['expected']}"
            else:
                expects = meta["expected"]
            if meta["default_text"]:
                default = meta["default_text"]
            elif field.default is dataclasses.MISSING:
                default = "required"
            else:
                default = _toml_text(field.default)
            why = f" (bounds: {bound.why})" if bound is not None and bound.why else ""
            cells = [f"`{field.name}`", expects, default, meta["help"] + why]
            rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        parts.append(f"### `{file}` `{table}`\n\n" + "\n".join(rows))
    return "\n\n".join(parts) + "\n"


class _Section:
    """A TOML table being read: takes keys one by one and refuses leftovers, with precise messages."""

    def __init__(self, file: str, path: str, data: object) -> None:
        if not isinstance(data, dict):
            raise ConfigError(file, path or "(top level)", "a table", data)
        self.file = file
        self.path = path
        self.data: dict[str, Any] = dict(data)
        self.seen: set[str] = set()

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str, got: object = None) -> ConfigError:
        return ConfigError(self.file, self.key_path(key), expected, got)

    def take(self, key: str, kind: type[T] | tuple[type, ...], expected: str, default: Any = _MISSING) -> T:
        self.seen.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.fail(key, f"{expected} (the key is missing)")
            return default  # type: ignore[no-any-return]
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(key, expected, value)
        if not isinstance(value, kind):
            raise self.fail(key, expected, value)
        return value  # type: ignore[return-value]

    def take_list(
        self, key: str, expected: str, valid: Callable[[str], bool], default: Any = _MISSING
    ) -> tuple[str, ...]:
        values = self.take(key, list, f"a list of {expected}", default)
        for value in values:
            if not isinstance(value, str) or not valid(value):
                raise self.fail(key, f"a list of {expected}", value)
        return tuple(values)

    def section(self, key: str, default: Any = _MISSING) -> _Section:
        value = self.take(key, dict, "a table", default)
        return _Section(self.file, self.key_path(key), value)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.fail(unknown[0], f"no such key here; known keys: {sorted(self.seen)}", "unknown key")


def _read_toml(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # UTF-8 with a BOM is fine
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(str(path), "(file)", "an existing TOML file") from None
    except OSError as exc:  # e.g. no permission to read it
        raise ConfigError(str(path), "(file)", f"a readable TOML file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:  # e.g. saved as UTF-16 by an editor
        raise ConfigError(str(path), "(encoding)", f"a UTF-8 text file (byte {exc.start} is not UTF-8; "
                          "save the file as UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "(syntax)", f"valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses once per nesting level: a few hundred [[[… exhaust the stack
        raise ConfigError(str(path), "(syntax)", "TOML nested at most a few dozen levels deep") from None
    except Exception as exc:  # tomllib only parses this text: whatever else it raises is about this file
        raise ConfigError(str(path), "(syntax)", f"valid TOML ({type(exc).__name__}: {exc})") from None


def _field(cls: type[Any], name: str) -> dataclasses.Field[Any]:
    return next(field for field in dataclasses.fields(cls) if field.name == name)


def _expected(cls: type[Any], name: str) -> str:
    """What a value of ``cls.name`` must be, as its declaration states it."""
    return str(_field(cls, name).metadata["expected"])


def _read(section: _Section, field: dataclasses.Field[Any], default: Any = _MISSING) -> Any:
    """One declared key, checked by its declaration: a bound for numbers, ``expected``/``valid`` for text.

    ``default``: when the default depends on other keys (the declaration's ``default_text`` says how)."""
    meta = field.metadata
    if default is _MISSING:
        default = field.default
    if meta["bound"] is not None:
        return _number(section, field.name, default)
    kind = str(field.type)
    if kind == "bool":
        return section.take(field.name, bool, "true or false", default)
    if kind.startswith("tuple["):
        return section.take_list(field.name, meta["expected"], meta["valid"], default)
    if kind in ("str", "str | None"):
        return section.take(field.name, str, meta["expected"], default)
    raise TypeError(f"{field.name}: no reader for a setting of type {kind}")


def _read_fields(section: _Section, cls: type[T], skip: tuple[str, ...] = (), **given: Any) -> T:
    """``cls`` from ``section``: every declared key read by its declaration, except the ``given`` ones (which need
    a check beyond their own declaration, done by the caller) and the ``skip``ped ones (not keys here: defaults)."""
    values = dict(given)
    for field in declared(cls):
        if field.name not in values and field.name not in skip:
            values[field.name] = _read(section, field)
    return cls(**values)


def load_groups(directory: Path) -> tuple[ProductGroup, ...]:
    file = str(directory / "product_groups.toml")
    top = _Section(file, "", _read_toml(directory, "product_groups.toml"))
    entries = top.take("group", list, "an array of [[group]] tables")
    top.done()
    groups: list[ProductGroup] = []
    seen_ids: set[str] = set()
    for index, entry in enumerate(entries):
        section = _Section(file, f"group[{index}]", entry)
        group_id = section.take("id", str, "a lowercase id such as 'toys'")
        if not re.fullmatch(GROUP_ID_PATTERN, group_id):
            raise section.fail("id", _expected(ProductGroup, "id"), group_id)
        if group_id in seen_ids:
            raise section.fail("id", "a group id used only once", group_id)
        seen_ids.add(group_id)
        section.path = f"group[{index}] ({group_id})"
        codes = _read(section, _field(ProductGroup, "hs_codes"))
        if not codes:
            raise section.fail("hs_codes", "at least one HS code")
        if len(set(codes)) != len(codes):
            raise section.fail("hs_codes", "each HS code once", list(codes))
        notes_zh = _read(section, _field(ProductGroup, "notes_zh"))
        if notes_zh and not re.search(CJK_PATTERN, notes_zh):  # English pasted in would land on Chinese pages
            raise section.fail("notes_zh", _expected(ProductGroup, "notes_zh"), notes_zh)
        groups.append(_read_fields(section, ProductGroup, id=group_id, hs_codes=codes, notes_zh=notes_zh))
        section.done()
    if not groups:
        raise top.fail("group", "at least one [[group]]")
    return tuple(groups)


def _number(section: _Section, key: str, default: float | None = _MISSING) -> Any:
    """The number at ``key``, within ``BOUNDS[key]`` (TOML also allows inf and nan, which no setting can mean).

    ``default``: the value when the key is absent (None for an optional setting); without one the key is required.
    """
    bound = BOUNDS[key]
    value: float | None = section.take(key, int if bound.integer else (int, float), bound.expected, default)
    if value is None:
        return None
    if not bound.admits(value):
        raise section.fail(key, bound.expected, value)
    return value if bound.integer else float(value)


def _env_name(section: _Section, cls: type[Any], key: str, expected_name: str) -> str | None:
    """An optional environment-variable NAME; a value that is not one is refused without echoing it."""
    name = section.take(key, str, _expected(cls, key), None)
    if name is not None and not re.fullmatch(ENV_NAME_PATTERN, name):
        raise section.fail(key, expected_name, "a value that is not a variable name")
    return name


def _load_scope(section: _Section) -> Scope:
    home = section.take("home_exporter", str, _expected(Scope, "home_exporter"))
    if not _is_iso3(home):
        raise section.fail("home_exporter", "a known ISO3 country code such as \"CHN\"", home)
    scope = _read_fields(section, Scope, home_exporter=home)
    if scope.last_year < scope.first_year:
        raise section.fail("last_year", f"a year not before first_year ({scope.first_year})", scope.last_year)
    section.done()
    return scope


def _load_source(source_id: str, section: _Section, scope: Scope) -> SourceSettings:
    base_url = os.environ.get(f"TRACKER_{source_id.upper()}_BASE_URL") or section.take(
        "base_url", str, "an http(s) URL"
    )
    section.seen.add("base_url")
    if not re.fullmatch(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$", base_url):
        raise section.fail("base_url", _expected(SourceSettings, "base_url"), base_url)
    api_key_env = _env_name(section, SourceSettings, "api_key_env",
                            "the NAME of an environment variable such as COMTRADE_API_KEY (never a key)")
    first = _number(section, "first_year", scope.first_year)
    # BACI: every year the release holds from first_year on, unless last_year caps them
    last = _number(section, "last_year", LAST_YEAR if source_id == "baci" else scope.last_year)
    if last < first:
        raise section.fail("last_year", f"a year not before first_year ({first})", last)
    wits_partners = (scope.home_exporter, *scope.competitors)
    settings = _read_fields(
        section, SourceSettings, skip=("hs_revision",), id=source_id, base_url=base_url.rstrip("/"),
        api_key_env=api_key_env, first_year=first, last_year=last, api_key_url=_key_url(section),
        **({"partners": _read(section, _field(SourceSettings, "partners"), wits_partners)} if source_id == "wits"
           else {}),
    )
    if source_id == "wits":
        _check_wits(section, settings)
    if source_id == "baci":
        revision = section.take("hs_revision", str, _expected(SourceSettings, "hs_revision"),
                                SourceSettings.hs_revision)
        if revision not in BACI_HS_REVISIONS:
            raise section.fail("hs_revision", f"one of {list(BACI_HS_REVISIONS)} (the BACI downloads the import "
                               "reads)", revision)
        settings = dataclasses.replace(settings, hs_revision=revision)
    section.done()
    return settings


def _key_url(section: _Section) -> str | None:
    """``api_key_url``: an https page where a free key is issued, or absent."""
    url = section.take("api_key_url", str, _expected(SourceSettings, "api_key_url"), None)
    if url is not None and not re.fullmatch(r"https://[^\s/]+(/[^\s]*)?", url):
        raise section.fail("api_key_url", "an https URL such as https://comtradedeveloper.un.org", url)
    return url


def _check_wits(section: _Section, settings: SourceSettings) -> None:
    """WITS markets apply tariffs (the EU as EUU, never a member); partners are exporters; data is yearly."""
    from tracker.countries import EU27

    if not settings.reporters:
        raise section.fail("reporters", "at least one market (ISO3, EUU for the EU) whose tariffs to fetch", [])
    members = [code for code in settings.reporters if code in EU27]
    if members:
        raise section.fail("reporters", f"markets that set their own tariffs: the EU sets its members' ({members[0]} "
                           "is in it), write EUU", members[0])
    if "WLD" in settings.reporters:
        raise section.fail("reporters", "markets that apply tariffs (WLD is not one)", "WLD")
    aggregates = [code for code in settings.partners if code in ("WLD", "EUU")]
    if aggregates:
        raise section.fail("partners", "exporting countries (the MFN rate, partner WLD, is always fetched; EUU is "
                           "not an exporter here)", aggregates[0])
    if settings.frequencies != ("A",):
        raise section.fail("frequencies", "[\"A\"] (TRAINS tariffs are yearly)", list(settings.frequencies))


def load_sources(directory: Path) -> tuple[HttpSettings, Scope, dict[str, SourceSettings]]:
    file = str(directory / "sources.toml")
    top = _Section(file, "", _read_toml(directory, "sources.toml"))
    http_section = top.section("http")
    http = _read_fields(http_section, HttpSettings)
    http_section.done()
    scope = _load_scope(top.section("scope"))
    sources_section = top.section("sources")
    sources: dict[str, SourceSettings] = {}
    for source_id in sources_section.data:
        if source_id not in SOURCE_IDS:
            raise sources_section.fail(source_id, f"a source id, one of {list(SOURCE_IDS)}", "unknown source")
        sources[source_id] = _load_source(source_id, sources_section.section(source_id), scope)
    top.done()
    return http, scope, sources


def _cron(section: _Section, timezone: str) -> CronSchedule:
    from apscheduler.triggers.cron import CronTrigger

    fields: dict[str, str] = {}
    for key in list(section.data):
        if key not in CRON_FIELDS:
            raise section.fail(key, f"a cron field, one of {list(CRON_FIELDS)}", "unknown key")
        value: str | int = section.take(key, (str, int), "a cron expression such as \"3\" or \"mon-fri\" or \"*/6\"")
        fields[key] = str(value)
    if not fields:
        raise section.fail("(fields)", f"at least one cron field of {list(CRON_FIELDS)}")
    try:
        trigger = CronTrigger(timezone=timezone, **fields)
    except (ValueError, TypeError) as exc:
        raise ConfigError(section.file, section.path, f"valid cron fields ({exc})", fields) from None
    if trigger.get_next_fire_time(None, datetime.now(trigger.timezone)) is None:
        raise ConfigError(section.file, section.path, "cron fields that match a future date (these never fire, "
                          "e.g. day 30 of February)", fields)
    return CronSchedule(fields)


def load_schedule(directory: Path) -> Schedule:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    file = str(directory / "schedule.toml")
    top = _Section(file, "", _read_toml(directory, "schedule.toml"))
    timezone = _read(top, _field(Schedule, "timezone"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", _expected(Schedule, "timezone"), timezone) from None
    fetch_section = top.section("fetch")
    fetch: dict[str, CronSchedule] = {}
    for source_id in list(fetch_section.data):
        if source_id not in SOURCE_IDS:
            raise fetch_section.fail(source_id, f"a source id, one of {list(SOURCE_IDS)}", "unknown source")
        fetch[source_id] = _cron(fetch_section.section(source_id), timezone)
    fetch_section.done()
    reports_section = top.section("reports", {})
    reports: dict[str, CronSchedule] = {}
    for name in list(reports_section.data):
        if name not in ("monthly", "annual"):
            raise reports_section.fail(name, "a report period, \"monthly\" or \"annual\"", "unknown key")
        reports[name] = _cron(reports_section.section(name), timezone)
    reports_section.done()
    schedule = _read_fields(top, Schedule, timezone=timezone, fetch=fetch, reports=reports)
    top.done()
    return schedule


def load_alerts(directory: Path) -> AlertSettings:
    """Alert rules from ``alerts.toml``; every rule table is optional and defaults to enabled."""
    file = str(directory / "alerts.toml")
    top = _Section(file, "", _read_toml(directory, "alerts.toml"))
    url_env = _env_name(top, AlertSettings, "webhook_url_env", "the NAME of an environment variable such as "
                        "TRACKER_ALERT_WEBHOOK_URL (never the URL)")
    settings = _read_fields(top, AlertSettings, webhook_url_env=url_env)
    rules: dict[str, Any] = {}
    for field in dataclasses.fields(AlertSettings):
        if "help" not in field.metadata:  # a rule: its own optional table
            section = top.section(field.name, {})
            rules[field.name] = _read_fields(section, type(field.default))
            section.done()
    top.done()
    return dataclasses.replace(settings, **rules)


def config_dir() -> Path:
    return Path(os.environ.get("TRACKER_CONFIG_DIR") or REPO_ROOT / "config")


def load_config(directory: Path | str | None = None) -> Config:
    """Load and validate every file in the config folder."""
    folder = Path(directory) if directory is not None else config_dir()
    http, scope, sources = load_sources(folder)
    return Config(
        directory=folder,
        groups=load_groups(folder),
        http=http,
        scope=scope,
        sources=sources,
        schedule=load_schedule(folder),
        alerts=load_alerts(folder),
    )
