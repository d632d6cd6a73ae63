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
_MISSING: Any = object()


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

    @property
    def expected(self) -> str:
        """How messages and the README state the range, e.g. "a whole number from 1 to 64"."""
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


# Every numeric key of every config file, by key name (a name means the same thing wherever it appears).
# The README's "Bounds of numeric settings" table states each one; tests/test_config.py checks both.
BOUNDS: dict[str, Bound] = {
    # sources.toml [http]
    "connect_timeout_seconds": Bound(0.1, 600),
    "read_timeout_seconds": Bound(0.1, 3600),
    "max_attempts": Bound(1, 20, integer=True),
    "max_total_wait_seconds": Bound(0.1, 86_400),
    "max_concurrency": Bound(1, 64, integer=True),
    "request_deadline_seconds": Bound(1, 86_400),
    "max_body_megabytes": Bound(0.01, 2000),
    "source_deadline_seconds": Bound(1, 7 * 86_400),
    # sources.toml [scope] and [sources.<id>]
    "first_year": Bound(FIRST_YEAR, LAST_YEAR, integer=True, kind="a year"),
    "last_year": Bound(FIRST_YEAR, LAST_YEAR, integer=True, kind="a year"),
    "cif_fob_factor": Bound(1, MAX_CIF_FOB_FACTOR, note="CIF over FOB, e.g. 1.06"),
    "import_income_elasticity": Bound(0, MAX_INCOME_ELASTICITY, note="1 when unknown"),
    "requests_per_minute": Bound(0.01, 100_000),
    "requests_per_day": Bound(1, 10_000_000, integer=True),
    # schedule.toml
    "misfire_grace_hours": Bound(0.01, MAX_GRACE_HOURS),
    "shutdown_grace_seconds": Bound(0.1, 86_400),
    # alerts.toml
    "webhook_timeout_seconds": Bound(0.1, 60),
    "webhook_max_attempts": Bound(1, 10, integer=True),
    "threshold_pp": Bound(0.01, 100),
    "threshold_pct": Bound(0.01, 99.99),
    "min_market_imports_usd": Bound(0, MAX_USD),
    "min_usd_at_stake": Bound(0, MAX_USD),
    "days": Bound(0.01, 366),
}


@dataclass(frozen=True)
class ProductGroup:
    """A light-industry product group: a named set of HS codes summed together by the metrics."""

    id: str
    name_en: str
    name_zh: str
    hs_codes: tuple[str, ...]
    notes: str = ""
    proxy: bool = False
    ecommerce_categories: tuple[str, ...] = ()

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class HttpSettings:
    """Shared HTTP client behaviour: timeouts, retry budget, concurrency, cache."""

    user_agent: str
    connect_timeout_seconds: float
    read_timeout_seconds: float
    max_attempts: int
    max_total_wait_seconds: float
    max_concurrency: int
    cache: bool
    request_deadline_seconds: float = 300.0  # one request, body and every attempt included
    max_body_megabytes: float = 100.0  # decoded body size above which a request fails
    source_deadline_seconds: float = 7200.0  # one source's part of a fetch run


@dataclass(frozen=True)
class Scope:
    """Who and when the tracker follows by default: the home exporter, its competitors, the years."""

    home_exporter: str
    competitors: tuple[str, ...]
    first_year: int
    last_year: int
    cif_fob_factor: float = 1.06  # partners' CIF imports / the exporter's FOB exports (mirror nowcast)
    import_income_elasticity: float = 1.0  # ε of the export potential's demand projection (ITC: 1 when unknown)


@dataclass(frozen=True)
class SourceSettings:
    """One public source: whether it runs, where it lives, how fast it may be called, what to ask for."""

    id: str
    enabled: bool
    base_url: str
    api_key_env: str | None
    requests_per_minute: float
    requests_per_day: int | None
    reporters: tuple[str, ...]
    partners: tuple[str, ...]
    first_year: int
    last_year: int
    frequencies: tuple[str, ...]
    flows: tuple[str, ...]
    hs_revision: str = "HS17"  # baci only: which release zip (BACI_HS17_V….zip)
    default_without_key: bool = True  # false: without its key, ``fetch`` runs it only when named (--source)
    api_key_url: str | None = None  # where a user gets a free key, named by ``fetch --plan``

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


@dataclass(frozen=True)
class Schedule:
    """When each source is fetched and when periodic reports are written."""

    timezone: str
    misfire_grace_hours: float
    fetch: dict[str, CronSchedule]
    reports: dict[str, CronSchedule]
    shutdown_grace_seconds: float = 60.0
    report_languages: tuple[str, ...] = REPORT_LANGUAGES
    report_formats: tuple[str, ...] = ("html",)


@dataclass(frozen=True)
class ShareDropRule:
    """Home exporter's share in a market fell by more than ``threshold_pp`` points year on year."""

    enabled: bool = True
    threshold_pp: float = 2.0
    min_market_imports_usd: float = 0.0
    min_usd_at_stake: float = 0.0  # alerts about fewer US dollars are not raised


@dataclass(frozen=True)
class RcaCrossRule:
    """Home exporter's RCA crossed 1 between the previous and the newest year (either way)."""

    enabled: bool = True
    min_usd_at_stake: float = 0.0


@dataclass(frozen=True)
class UnitValueUndercutRule:
    """A competitor's unit value in a market lies more than ``threshold_pct`` % below ours."""

    enabled: bool = True
    threshold_pct: float = 20.0
    min_market_imports_usd: float = 0.0
    min_usd_at_stake: float = 0.0  # alerts about fewer US dollars are not raised


@dataclass(frozen=True)
class ImportDropRule:
    """A market's imports of a group fell by more than ``threshold_pct`` % year on year."""

    enabled: bool = True
    threshold_pct: float = 15.0
    min_market_imports_usd: float = 0.0
    min_usd_at_stake: float = 0.0  # alerts about fewer US dollars are not raised


@dataclass(frozen=True)
class SourceFailingRule:
    """A source has failed for ``days`` days without a success in between."""

    enabled: bool = True
    days: float = 3.0


@dataclass(frozen=True)
class TariffChangeRule:
    """The tariff a tracked exporter faces in a market moved by more than ``threshold_pp`` points year on year."""

    enabled: bool = True
    threshold_pp: float = 2.0
    min_usd_at_stake: float = 0.0  # alerts about fewer US dollars are not raised


@dataclass(frozen=True)
class AlertSettings:
    """Alert rules and where new alerts go besides the store and the JSON-lines feed."""

    webhook_url_env: str | None = None
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 3
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


def _is_iso3(code: str) -> bool:
    from tracker.countries import is_known_iso3

    return is_known_iso3(code)


def _is_hs_code(code: str) -> bool:
    return re.fullmatch(CONFIG_HS_PATTERN, code) is not None and code[:2] not in ("00", "77", "98", "99")


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
            raise section.fail("id", "a lowercase id of letters, digits and _ (e.g. 'home_appliances')", group_id)
        if group_id in seen_ids:
            raise section.fail("id", "a group id used only once", group_id)
        seen_ids.add(group_id)
        section.path = f"group[{index}] ({group_id})"
        codes = section.take_list(
            "hs_codes", "HS codes as strings of 2, 4 or 6 digits (chapter 01-97), e.g. \"9503\"", _is_hs_code
        )
        if not codes:
            raise section.fail("hs_codes", "at least one HS code")
        if len(set(codes)) != len(codes):
            raise section.fail("hs_codes", "each HS code once", list(codes))
        groups.append(
            ProductGroup(
                id=group_id,
                name_en=section.take("name_en", str, "the English name"),
                name_zh=section.take("name_zh", str, "the Chinese name"),
                hs_codes=codes,
                notes=section.take("notes", str, "a string", ""),
                proxy=section.take("proxy", bool, "true or false", False),
                ecommerce_categories=section.take_list(
                    "ecommerce_categories", "Eurostat indic_is codes such as \"I_BCLOT1\"",
                    lambda code: re.fullmatch(r"^[A-Z][A-Z0-9_]*$", code) is not None, (),
                ),
            )
        )
        section.done()
    if not groups:
        raise top.fail("group", "at least one [[group]]")
    return tuple(groups)


def _load_http(section: _Section) -> HttpSettings:
    settings = HttpSettings(
        user_agent=section.take("user_agent", str, "a User-Agent string"),
        connect_timeout_seconds=_number(section, "connect_timeout_seconds", 10.0),
        read_timeout_seconds=_number(section, "read_timeout_seconds", 60.0),
        max_attempts=_number(section, "max_attempts", 5),
        max_total_wait_seconds=_number(section, "max_total_wait_seconds", 300.0),
        max_concurrency=_number(section, "max_concurrency", 4),
        cache=section.take("cache", bool, "true or false", True),
        request_deadline_seconds=_number(section, "request_deadline_seconds", HttpSettings.request_deadline_seconds),
        max_body_megabytes=_number(section, "max_body_megabytes", HttpSettings.max_body_megabytes),
        source_deadline_seconds=_number(section, "source_deadline_seconds", HttpSettings.source_deadline_seconds),
    )
    section.done()
    return settings


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


def _env_name(section: _Section, key: str, expected: str, expected_name: str) -> str | None:
    """An optional environment-variable NAME; a value that is not one is refused without echoing it."""
    name = section.take(key, str, expected, None)
    if name is not None and not re.fullmatch(ENV_NAME_PATTERN, name):
        raise section.fail(key, expected_name, "a value that is not a variable name")
    return name


def _load_scope(section: _Section) -> Scope:
    home = section.take("home_exporter", str, "an ISO3 country code such as \"CHN\"")
    if not _is_iso3(home):
        raise section.fail("home_exporter", "a known ISO3 country code such as \"CHN\"", home)
    first = _number(section, "first_year")
    last = _number(section, "last_year")
    if last < first:
        raise section.fail("last_year", f"a year not before first_year ({first})", last)
    scope = Scope(
        home_exporter=home,
        competitors=section.take_list("competitors", "known ISO3 country codes", _is_iso3),
        first_year=first,
        last_year=last,
        cif_fob_factor=_number(section, "cif_fob_factor", Scope.cif_fob_factor),
        import_income_elasticity=_number(section, "import_income_elasticity", Scope.import_income_elasticity),
    )
    section.done()
    return scope


def _load_source(source_id: str, section: _Section, scope: Scope) -> SourceSettings:
    base_url = os.environ.get(f"TRACKER_{source_id.upper()}_BASE_URL") or section.take(
        "base_url", str, "an http(s) URL"
    )
    section.seen.add("base_url")
    if not re.fullmatch(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$", base_url):
        raise section.fail("base_url", "an http(s) URL such as https://comtradeapi.un.org", base_url)
    api_key_env = _env_name(section, "api_key_env", "the NAME of an environment variable (never the key)",
                            "the NAME of an environment variable such as COMTRADE_API_KEY (never a key)")
    first = _number(section, "first_year", scope.first_year)
    # BACI: every year the release holds from first_year on, unless last_year caps them
    last = _number(section, "last_year", LAST_YEAR if source_id == "baci" else scope.last_year)
    if last < first:
        raise section.fail("last_year", f"a year not before first_year ({first})", last)
    partners_default = (scope.home_exporter, *scope.competitors) if source_id == "wits" else ()
    settings = SourceSettings(
        id=source_id,
        enabled=section.take("enabled", bool, "true or false", True),
        base_url=base_url.rstrip("/"),
        api_key_env=api_key_env,
        requests_per_minute=_number(section, "requests_per_minute", 30.0),
        requests_per_day=_number(section, "requests_per_day", None),
        reporters=section.take_list("reporters", "known ISO3 country codes", _is_iso3, ()),
        partners=section.take_list("partners", "known ISO3 country codes (WLD for the world)", _is_iso3,
                                   partners_default),
        first_year=first,
        last_year=last,
        frequencies=section.take_list("frequencies", "\"A\" or \"M\"", FREQUENCY_CHOICES.__contains__, ("A",)),
        flows=section.take_list("flows", "\"import\" or \"export\"", FLOW_CHOICES.__contains__, ("import",)),
        default_without_key=section.take("default_without_key", bool, "true or false", True),
        api_key_url=_key_url(section),
    )
    if source_id == "wits":
        _check_wits(section, settings)
    if source_id == "baci":
        revision = section.take("hs_revision", str, f"one of {list(BACI_HS_REVISIONS)}", "HS17")
        if revision not in BACI_HS_REVISIONS:
            raise section.fail("hs_revision", f"one of {list(BACI_HS_REVISIONS)} (the BACI downloads the import "
                               "reads)", revision)
        settings = dataclasses.replace(settings, hs_revision=revision)
    section.done()
    return settings


def _key_url(section: _Section) -> str | None:
    """``api_key_url``: an https page where a free key is issued, or absent."""
    url = section.take("api_key_url", str, "an https URL", None)
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
    http = _load_http(top.section("http"))
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
    timezone = top.take("timezone", str, "an IANA time zone such as \"Asia/Shanghai\"", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", "an IANA time zone such as \"Asia/Shanghai\"", timezone) from None
    grace = _number(top, "misfire_grace_hours", 6.0)
    shutdown_grace = _number(top, "shutdown_grace_seconds", 60.0)
    languages = top.take_list("report_languages", '"en" and/or "zh"', REPORT_LANGUAGES.__contains__, REPORT_LANGUAGES)
    formats = top.take_list("report_formats", '"html" and/or "md"', REPORT_FORMATS.__contains__, ("html",))
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
    top.done()
    return Schedule(timezone=timezone, misfire_grace_hours=grace, fetch=fetch, reports=reports,
                    shutdown_grace_seconds=shutdown_grace, report_languages=languages, report_formats=formats)


def load_alerts(directory: Path) -> AlertSettings:
    """Alert rules from ``alerts.toml``; every rule table is optional and defaults to enabled."""
    file = str(directory / "alerts.toml")
    top = _Section(file, "", _read_toml(directory, "alerts.toml"))
    url_env = _env_name(top, "webhook_url_env", "the NAME of an environment variable (never the URL)",
                        "the NAME of an environment variable such as TRACKER_ALERT_WEBHOOK_URL (never the URL)")
    timeout = _number(top, "webhook_timeout_seconds", 10.0)
    attempts = _number(top, "webhook_max_attempts", 3)

    def rule(name: str) -> tuple[_Section, bool]:
        section = top.section(name, {})
        return section, section.take("enabled", bool, "true or false", True)

    section, enabled = rule("share_drop")
    share_drop = ShareDropRule(enabled, _number(section, "threshold_pp", 2.0),
                               _number(section, "min_market_imports_usd", 0.0),
                               _number(section, "min_usd_at_stake", 0.0))
    section.done()
    section, enabled = rule("rca_cross")
    rca_cross = RcaCrossRule(enabled, _number(section, "min_usd_at_stake", 0.0))
    section.done()
    section, enabled = rule("unit_value_undercut")
    undercut = UnitValueUndercutRule(enabled, _number(section, "threshold_pct", 20.0),
                                     _number(section, "min_market_imports_usd", 0.0),
                                     _number(section, "min_usd_at_stake", 0.0))
    section.done()
    section, enabled = rule("import_drop")
    import_drop = ImportDropRule(enabled, _number(section, "threshold_pct", 15.0),
                                 _number(section, "min_market_imports_usd", 0.0),
                                 _number(section, "min_usd_at_stake", 0.0))
    section.done()
    section, enabled = rule("source_failing")
    failing = SourceFailingRule(enabled, _number(section, "days", 3.0))
    section.done()
    section, enabled = rule("tariff_change")
    tariff_change = TariffChangeRule(enabled, _number(section, "threshold_pp", 2.0),
                                     _number(section, "min_usd_at_stake", 0.0))
    section.done()
    top.done()
    return AlertSettings(url_env, timeout, attempts, share_drop, rca_cross, undercut, import_drop, failing,
                         tariff_change)


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
