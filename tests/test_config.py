"""Config loading: the shipped files load, and each kind of mistake names file, key and expectation."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from tracker.config import BOUNDS, REPO_ROOT, SOURCE_IDS, Bound, Config, load_config
from tracker.errors import ConfigError


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_config_shipped_files_load_every_reference_group(config) -> None:
    ids = config.group_ids
    for expected in ("home_appliances", "smart_home", "furniture", "toys", "baby", "elderly_care", "sports",
                     "footwear", "luggage", "ceramics", "pets"):
        assert expected in ids
    assert len(ids) == 23
    assert config.group("toys").hs_codes == ("9503", "9504", "9505")
    assert config.group("toys").name_zh == "玩具"
    assert config.group("smart_home").proxy is True
    assert set(config.sources) == set(SOURCE_IDS)
    assert config.scope.home_exporter == "CHN"


def test_config_every_group_with_notes_has_them_in_chinese_with_the_same_codes_and_numbers(config) -> None:
    """A Chinese page shows ``notes_zh`` or nothing: a group with English notes must bring the Chinese ones, and
    the translation keeps every HS code and number as written (9405.10/40, HS 2022, 4-digit...)."""
    noted = [group for group in config.groups if group.notes]
    assert len(noted) == 15
    assert [group.id for group in noted if not group.notes_zh] == []
    assert [group.id for group in config.groups if group.notes_zh and not group.notes] == []
    for group in noted:
        numbers = sorted(re.findall(r"\d+(?:\.\d+)?", group.notes))
        assert sorted(re.findall(r"\d+(?:\.\d+)?", group.notes_zh)) == numbers, group.id
        assert group.note("zh") == group.notes_zh and group.note("en") == group.notes
    assert config.group("footwear").notes_zh == "HS 第 64 章。"
    assert config.group("toys").note("zh") == config.group("toys").note("en") == ""


def test_config_dir_environment_variable_is_honoured(config_dir: Path) -> None:
    _edit(config_dir / "product_groups.toml", 'name_zh = "玩具"', 'name_zh = "玩具和游戏"')
    assert load_config().group("toys").name_zh == "玩具和游戏"


def test_config_user_adds_a_group_by_editing_one_file(config_dir: Path) -> None:
    with open(config_dir / "product_groups.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[[group]]\nid = "umbrellas"\nname_en = "Umbrellas"\nname_zh = "雨伞"\nhs_codes = ["6601"]\n')
    assert load_config().group("umbrellas").hs_codes == ("6601",)


@pytest.mark.parametrize(
    ("file", "old", "new", "expected_key", "expected_text"),
    [
        ("product_groups.toml", 'hs_codes = ["9503", "9504", "9505"]', 'hs_codes = ["95x3", "9504"]',
         "hs_codes", "2, 4 or 6 digits"),
        ("product_groups.toml", 'hs_codes = ["9503", "9504", "9505"]', "hs_codes = [9503]",
         "hs_codes", "as strings"),
        ("product_groups.toml", 'id = "furniture"', 'id = "toys"', "id", "used only once"),
        ("product_groups.toml", 'id = "toys"', 'id = "toys"\ncolour = "red"', "colour", "no such key"),
        ("product_groups.toml", 'id = "toys"', 'id = "Toys!"', "id", "lowercase id"),
        ("product_groups.toml", 'notes_zh = "HS 第 64 章。"', 'notes_zh = "HS chapter 64."', "notes_zh",
         "Chinese text"),
        ("product_groups.toml", 'notes_zh = "HS 第 64 章。"', "notes_zh = 64", "notes_zh", "Chinese text"),
        ("sources.toml", 'home_exporter = "CHN"', 'home_exporter = "XXX"', "scope.home_exporter",
         "known ISO3"),
        ("sources.toml", 'competitors = ["VNM"', 'competitors = ["VNX"', "scope.competitors", "ISO3"),
        ("sources.toml", "max_attempts = 5", 'max_attempts = "five"', "http.max_attempts", "whole number from 1"),
        ("sources.toml", "max_attempts = 5", "max_attempts = 0", "http.max_attempts", "whole number from 1 to 20"),
        ("sources.toml", "[sources.worldbank]", "[sources.imf]", "sources.imf", "a source id"),
        ("sources.toml", 'base_url = "https://api.worldbank.org"', 'base_url = "ftp://x"',
         "sources.worldbank.base_url", "http(s) URL"),
        ("sources.toml", 'api_key_env = "COMTRADE_API_KEY"', 'api_key_env = "abc123secret"',
         "sources.comtrade.api_key_env", "NAME of an environment variable"),
        ("sources.toml", 'frequencies = ["A"]\nflows = ["export", "import"]',
         'frequencies = ["Q"]\nflows = ["export", "import"]', "sources.comtrade.frequencies", '"A" or "M"'),
        ("sources.toml", "first_year = 2015", "first_year = 1850", "scope.first_year", "a year from 1990 to 2100"),
        ("sources.toml", "cif_fob_factor = 1.06", "cif_fob_factor = 0.9", "scope.cif_fob_factor", "from 1 to 1.5"),
        ("sources.toml", "cif_fob_factor = 1.06", 'cif_fob_factor = "6%"', "scope.cif_fob_factor", "CIF over FOB"),
        ("sources.toml", "cif_fob_factor = 1.06", "cif_fob_factor = nan", "scope.cif_fob_factor", "from 1 to 1.5"),
        ("schedule.toml", 'day_of_week = "mon"', 'day_of_week = "someday"', "fetch.comtrade", "valid cron"),
        ("schedule.toml", 'day_of_week = "mon"', 'weekday = "mon"', "fetch.comtrade.weekday", "cron field"),
        ("schedule.toml", 'timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"', "timezone", "IANA"),
        ("schedule.toml", "[fetch.comext]", "[fetch.comtradex]", "fetch.comtradex", "a source id"),
        ("sources.toml", 'reporters = ["USA", "EUU",', 'reporters = ["USA", "DEU",', "sources.wits.reporters",
         "write EUU"),
        ("sources.toml", 'reporters = ["USA", "EUU",', 'reporters = ["USX", "EUU",', "sources.wits.reporters",
         "known ISO3"),
        ("sources.toml", 'reporters = ["USA", "EUU", "GBR", "JPN", "KOR", "IND", "MEX", "CAN", "AUS"]',
         "reporters = []", "sources.wits.reporters", "at least one market"),
        ("sources.toml", "first_year = 2018", 'partners = ["CHN", "WLD"]\nfirst_year = 2018', "sources.wits.partners",
         "MFN rate"),
        ("sources.toml", "first_year = 2018", 'frequencies = ["A", "M"]\nfirst_year = 2018',
         "sources.wits.frequencies", "yearly"),
        ("schedule.toml", 'day = "12"', 'day = "45"', "fetch.wits", "valid cron"),
        ("sources.toml", 'api_key_url = "https://comtradedeveloper.un.org"', 'api_key_url = "http://comtrade"',
         "sources.comtrade.api_key_url", "an https URL"),
        ("sources.toml", "default_without_key = false", 'default_without_key = "no"',
         "sources.comtrade.default_without_key", "true or false"),
    ],
)
def test_config_error_names_file_key_and_expectation(
    config_dir: Path, file: str, old: str, new: str, expected_key: str, expected_text: str
) -> None:
    _edit(config_dir / file, old, new)
    with pytest.raises(ConfigError) as caught:
        load_config()
    message = str(caught.value)
    assert file in message
    assert expected_key in caught.value.key
    assert expected_text in message
    assert "\n" not in message


def test_config_api_key_value_never_echoed_in_error(config_dir: Path) -> None:
    _edit(config_dir / "sources.toml", 'api_key_env = "COMTRADE_API_KEY"', 'api_key_env = "sk-live-1234"')
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "sk-live-1234" not in str(caught.value)


def test_config_syntax_error_names_the_file(config_dir: Path) -> None:
    (config_dir / "schedule.toml").write_text("timezone = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("schedule.toml")):
        load_config()


def test_config_missing_file_names_the_file(config_dir: Path) -> None:
    (config_dir / "sources.toml").unlink()
    with pytest.raises(ConfigError, match=r"sources.toml.*existing TOML file"):
        load_config()


def test_config_base_url_environment_override(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_COMTRADE_BASE_URL", "http://127.0.0.1:8765/")
    config = load_config()
    assert config.sources["comtrade"].base_url == "http://127.0.0.1:8765"
    assert config.sources["census"].base_url == "https://api.census.gov"


def test_config_api_key_read_from_named_environment_variable(config, monkeypatch: pytest.MonkeyPatch) -> None:
    source = config.sources["comtrade"]
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    assert source.api_key() is None
    monkeypatch.setenv("COMTRADE_API_KEY", "k-123")
    assert source.api_key() == "k-123"


def test_config_cli_reports_config_error_without_traceback(config_dir: Path) -> None:
    import subprocess
    import sys

    from tracker.config import REPO_ROOT

    _edit(config_dir / "product_groups.toml", 'hs_codes = ["9503", "9504", "9505"]', 'hs_codes = ["95x3"]')
    result = subprocess.run([sys.executable, "-m", "tracker", "groups"], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2
    assert "product_groups.toml" in result.stderr and "hs_codes" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------ every numeric setting has bounds (issue 21, point 4)
# Where each bounded key lives: (file, table, key); "" is the file's top level. One place per key suffices for the
# loader (it reads every place through the same BOUNDS entry); test_config_bounds_cover_every_location checks.
LOCATIONS = [
    *(("sources.toml", "http", key) for key in (
        "connect_timeout_seconds", "read_timeout_seconds", "max_attempts", "max_total_wait_seconds", "max_concurrency",
        "request_deadline_seconds", "max_body_megabytes", "source_deadline_seconds")),
    *(("sources.toml", "scope", key) for key in ("first_year", "last_year", "cif_fob_factor",
                                                 "import_income_elasticity")),
    *(("sources.toml", "sources.comtrade", key) for key in (
        "requests_per_minute", "requests_per_day", "first_year", "last_year")),
    ("schedule.toml", "", "misfire_grace_hours"),
    ("schedule.toml", "", "shutdown_grace_seconds"),
    ("alerts.toml", "", "webhook_timeout_seconds"),
    ("alerts.toml", "", "webhook_max_attempts"),
    *(("alerts.toml", "share_drop", key) for key in ("threshold_pp", "min_market_imports_usd", "min_usd_at_stake")),
    ("alerts.toml", "rca_cross", "min_usd_at_stake"),
    *(("alerts.toml", "unit_value_undercut", key) for key in (
        "threshold_pct", "min_market_imports_usd", "min_usd_at_stake")),
    *(("alerts.toml", "import_drop", key) for key in ("threshold_pct", "min_market_imports_usd", "min_usd_at_stake")),
    ("alerts.toml", "source_failing", "days"),
    *(("alerts.toml", "tariff_change", key) for key in ("threshold_pp", "min_usd_at_stake")),
]


def _set(config_dir: Path, file: str, table: str, key: str, value: object) -> None:
    """Write ``key = value`` into ``[table]`` of ``file`` (replacing the key's line, or first in the table)."""
    lines = (config_dir / file).read_text(encoding="utf-8").splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("[")]
    header = re.compile(rf"\[{re.escape(table)}\]\s*(#.*)?")
    start = next(i + 1 for i in headers if header.fullmatch(lines[i])) if table else 0
    end = next((i for i in headers if i >= start), len(lines))
    text = repr(value) if isinstance(value, float) else str(value)
    for i in range(start, end):
        if re.match(rf"{key}\s*=", lines[i]):
            lines[i] = f"{key} = {text}"
            break
    else:
        lines.insert(start, f"{key} = {text}")
    (config_dir / file).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _read_back(config: Config, file: str, table: str, key: str) -> object:
    holders = {("sources.toml", "http"): config.http, ("sources.toml", "scope"): config.scope,
               ("sources.toml", "sources.comtrade"): config.sources["comtrade"],
               ("schedule.toml", ""): config.schedule, ("alerts.toml", ""): config.alerts}
    holder = holders.get((file, table)) or getattr(config.alerts, table)
    return getattr(holder, key)


def _numeric_fields() -> set[str]:
    """Every int or float field of every settings dataclass in tracker.config."""
    import dataclasses

    import tracker.config

    names: set[str] = set()
    for value in vars(tracker.config).values():
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == "tracker.config":
            if value is Bound:
                continue
            names |= {field.name for field in dataclasses.fields(value)
                      if re.fullmatch(r"(int|float)( \| None)?", str(field.type))}
    return names


def test_config_every_numeric_setting_has_a_bound() -> None:
    fields = _numeric_fields()
    assert {"max_concurrency", "requests_per_minute", "webhook_max_attempts", "days"} <= fields  # the walk works
    assert sorted(fields - set(BOUNDS)) == [], "numeric settings without an entry in tracker.config.BOUNDS"
    assert sorted(set(BOUNDS) - fields) == [], "BOUNDS entries that no setting uses"
    for key, bound in BOUNDS.items():
        assert math.isfinite(bound.high) and bound.low < bound.high, key


def test_config_bounds_cover_every_location() -> None:
    assert {key for _, _, key in LOCATIONS} == set(BOUNDS)
    config = load_config(REPO_ROOT / "config")
    for file, table, key in LOCATIONS:  # the shipped values are within their bounds, and read where expected
        assert BOUNDS[key].admits(_read_back(config, file, table, key)), (file, table, key)


def _outside(bound: Bound, side: str) -> float:
    if side == "above":
        return bound.high + 1 if bound.integer else bound.high * 1.5
    if bound.integer:
        return bound.low - 1
    return bound.low / 2 if bound.low > 0 else -0.01


@pytest.mark.parametrize("side", ["below", "above"])
@pytest.mark.parametrize(("file", "table", "key"), LOCATIONS)
def test_config_numeric_setting_outside_its_bounds_is_refused(config_dir: Path, file: str, table: str, key: str,
                                                              side: str) -> None:
    bound = BOUNDS[key]
    value = _outside(bound, side)
    _set(config_dir, file, table, key, value)
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    path = f"{table}.{key}" if table else key
    assert str(caught.value) == f"{config_dir / file}: {path}: expected {bound.expected}; got {value!r}"


@pytest.mark.parametrize(("file", "table", "key"), LOCATIONS)
def test_config_numeric_setting_at_its_bounds_is_accepted(config_dir: Path, file: str, table: str, key: str) -> None:
    bound = BOUNDS[key]
    ends = {"first_year": [bound.low], "last_year": [bound.high]}.get(key, [bound.low, bound.high])  # first <= last
    for end in ends:
        value = int(end) if bound.integer else float(end)
        _set(config_dir, file, table, key, value)
        assert _read_back(load_config(config_dir), file, table, key) == value


@pytest.mark.parametrize(("file", "text"), [
    ("sources.toml", "reporters = " + "[" * 5000 + "]" * 5000 + "\n"),
    ("alerts.toml", "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n"),
    ("product_groups.toml", "[[group]]\nhs_codes = " + "[" * 600 + "]" * 600 + "\n"),
    ("schedule.toml", "x = [" + "[" * 5000 + "\n"),  # unclosed, too
])
def test_config_deeply_nested_toml_is_one_error_naming_the_file(config_dir: Path, file: str, text: str) -> None:
    """tomllib recurses once per level: 5,000 levels gave a RecursionError traceback for every command."""
    (config_dir / file).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    assert str(caught.value) == f"{config_dir / file}: (syntax): expected TOML nested at most a few dozen levels deep"


# ------------------------------------------------------------ each setting declared once (issue 24, point 3)
MINIMAL = {
    "product_groups.toml": '[[group]]\nid = "toys"\nname_en = "Toys"\nname_zh = "玩具"\nhs_codes = ["9503"]\n',
    "sources.toml": '[http]\nuser_agent = "test"\n[scope]\nhome_exporter = "CHN"\ncompetitors = ["VNM"]\n'
                    'first_year = 2020\nlast_year = 2023\n[sources.census]\nbase_url = "https://api.census.gov"\n',
    "schedule.toml": '[fetch.census]\nday = "3"\n',
    "alerts.toml": "",
}


def test_config_absent_keys_take_the_declared_defaults(tmp_path: Path) -> None:
    """A config that states only the required keys loads with every other key at its declaration's default:
    the loaders hold no default of their own (a default stated twice could drift)."""
    import dataclasses

    from tracker.config import SETTINGS_TABLES, declared

    for name, text in MINIMAL.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = load_config(tmp_path)
    holders = {("product_groups.toml", "[[group]]"): config.groups[0], ("sources.toml", "[http]"): config.http,
               ("sources.toml", "[scope]"): config.scope, ("sources.toml", "[sources.<id>]"): config.sources["census"],
               ("schedule.toml", "(top level)"): config.schedule, ("alerts.toml", "(top level)"): config.alerts}
    checked = 0
    for file, table, cls in SETTINGS_TABLES:
        holder = holders.get((file, table)) or getattr(config.alerts, table.strip("[]"))
        for field in declared(cls):
            if field.default is dataclasses.MISSING or field.metadata["default_text"]:
                continue  # required, or a default that depends on other keys (checked below)
            assert getattr(holder, field.name) == field.default, (file, table, field.name)
            checked += 1
    assert checked >= 40
    census = config.sources["census"]
    assert (census.first_year, census.last_year, census.partners) == (2020, 2023, ())


def test_config_every_setting_is_declared_with_help_and_a_reader() -> None:
    """Every field of a settings class is a declared key (or a nested table, or the id the loader fills in), and
    every declared number has a bound; BOUNDS is exactly the declared bounds."""
    import dataclasses

    from tracker.config import SETTINGS_TABLES, declared

    seen: dict[str, Bound] = {}
    for _, _, cls in SETTINGS_TABLES:
        names = {field.name for field in declared(cls)}
        others = {field.name for field in dataclasses.fields(cls)} - names
        assert others <= {"id", "fetch", "reports", "share_drop", "rca_cross", "unit_value_undercut", "import_drop",
                          "source_failing", "tariff_change"}, (cls, others)
        for field in declared(cls):
            assert field.metadata["help"].strip(), (cls.__name__, field.name)
            numeric = re.fullmatch(r"(int|float)( \| None)?", str(field.type)) is not None
            assert (field.metadata["bound"] is not None) == numeric, (cls.__name__, field.name)
            if numeric:
                seen[field.name] = field.metadata["bound"]
    assert seen == BOUNDS
