"""Country reference: one ISO3 code per country, and the code each public source uses for it.

Comtrade, US Census and Eurostat each speak their own country codes (the USA is 842 in Comtrade and
1000 in Census; Greece is EL in Eurostat). Fetchers translate to ISO3 here, once, so that everything
downstream (store, metrics, app) speaks ISO3 only. The facts live in ``tracker/data/countries.csv``,
read relative to this file so the reference works from a repository checkout without installation.

Choices recorded here so they are not rediscovered:

* Rows are every non-group entry of UN Comtrade's reporter and partner reference lists with a real
  ISO alpha-3, plus Kosovo (XKX, Comtrade 412) and the aggregates WLD and EUU (``is_aggregate``).
* Comtrade pseudo-ISO entries (``_AC``, ``_X``, ``X1``, ``A49``, ...) are areas n.e.s., bunkers, free
  zones or special categories: not countries, so not listed. Code 490 "Other Asia, nes" is known to be
  Taiwan in practice, but Comtrade labels it n.e.s.; it stays unmapped so callers report it instead of
  it being silently renamed. Taiwan maps from Comtrade 158.
* Comtrade code 492 carries ISO3 MCO in Comtrade's list but means "Europe EU, nes" (Monaco is inside
  France, 251). Monaco keeps a row (Census and Eurostat report it) with no Comtrade code.
* Historic entities (USSR, Yugoslavia, Czechoslovakia, East Germany, Serbia and Montenegro, Netherlands
  Antilles, North Vietnam, South Yemen, Pacific Islands Trust Territory, Panama Canal Zone) and the
  deleted-ISO entries ATB, NTZ and PUS are kept: Comtrade still lists them as partners, and old
  periods are reported under them. They have no Census or Eurostat code.
* Where Comtrade has several codes for one ISO3 (an expired and a current code, or a narrower area
  such as 250 Metropolitan France next to 251 France incl. Monaco), the CSV holds the current code and
  the others are aliases below that map to the same ISO3 when parsing. Comtrade's own ISO3 is followed
  even when the old area was wider (58 Belgium-Luxembourg to 1998 -> BEL, 841 USA and Puerto Rico to
  1980 -> USA).
* Italy is 380 in Comtrade's current lists; 381 (Comtrade Classic) is accepted as an alias.
* Census has no single Palestine code: 5083 (West Bank) is the primary code and 5082 (Gaza Strip) an
  alias, so both count as PSE. Census WLD is ``-`` ("TOTAL FOR ALL COUNTRIES" in the intltrade API) and
  the EU is the group code 0003.
* Eurostat codes are ISO alpha-2 except EL (Greece), UK (United Kingdom) and XK (Kosovo); the ISO
  forms GR and GB, which Comext bulk files use, are accepted as aliases.
* WITS (TRAINS tariffs) speaks UN M49 / ISO numeric codes written with three digits (Australia ``036``).
  They are derived from the Comtrade codes, which are M49 except where Comtrade has its own
  (``_WITS_NOT_COMTRADE``: USA 840, not 842; France 250; Switzerland 756; India 356; Norway 578), plus
  ``000`` for the world (the MFN partner) and ``918`` for the European Union, which applies one tariff
  for its members. ``EU27`` lists those members: a WITS market given as a member is the EU.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tracker.errors import CountryCodeError

if TYPE_CHECKING:  # Polars is imported where a function needs it: checking a config's codes takes the csv module only
    import polars as pl

SOURCES: Final = ("comtrade", "census", "eurostat", "wits")

COUNTRIES_CSV: Final = Path(__file__).resolve().parent / "data" / "countries.csv"

_CODE_COLUMNS: Final = {"comtrade": "comtrade_code", "census": "census_code", "eurostat": "eurostat_code"}
_TABLE_COLUMNS: Final = (
    "iso3",
    "iso2",
    "name_en",
    "name_zh",
    "region",
    "comtrade_code",
    "census_code",
    "eurostat_code",
    "is_aggregate",
)
_NAME_COLUMNS: Final = {"en": "name_en", "zh": "name_zh"}
_CENSUS_CODE_WIDTH: Final = 4  # Schedule C codes are 4 digits; an integer 3 means "0003"

# ISO3 whose WITS code is not its Comtrade code (WITS follows M49 / ISO numeric).
_WITS_NOT_COMTRADE: Final = {"USA": "840", "FRA": "250", "CHE": "756", "IND": "356", "NOR": "578", "WLD": "000",
                             "EUU": "918"}
_WITS_CODE_WIDTH: Final = 3
# The 27 members of the European Union (since 2020), which share the EU's tariff (WITS reporter 918 / EUU).
EU27: Final = frozenset({
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
    "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
})

# Codes a source has used, or still uses, for an ISO3 besides the one in the CSV (see module docstring).
_ALIASES: Final[dict[str, dict[str, str]]] = {
    "comtrade": {
        "58": "BEL",  # Belgium-Luxembourg (...1998)
        "230": "ETH",  # Ethiopia (...1992)
        "250": "FRA",  # Metropolitan France (partner list; 251 is France incl. Monaco)
        "280": "DEU",  # Fed. Rep. of Germany (...1990)
        "356": "IND",  # India (...1974)
        "381": "ITA",  # Italy in Comtrade Classic; 380 in the current lists
        "532": "ANT",  # Netherlands Antilles and Aruba (...1985)
        "578": "NOR",  # Norway excluding Svalbard and Jan Mayen (partner list)
        "588": "PAK",  # East and West Pakistan (...1971)
        "590": "PAN",  # Panama excl. Canal Zone (...1977)
        "658": "KNA",  # Saint Kitts, Nevis and Anguilla (...1980)
        "736": "SDN",  # Sudan (...2011)
        "756": "CHE",  # Switzerland (partner list; 757 is Switzerland incl. Liechtenstein)
        "840": "USA",  # United States of America (partner list; 842 is the current code)
        "841": "USA",  # USA and Puerto Rico (...1980)
        "868": "VNM",  # Rep. of Vietnam (...1974)
        "886": "YEM",  # Arab Rep. of Yemen (...1990)
    },
    "census": {
        "5082": "PSE",  # Gaza Strip administered by Israel; 5083 West Bank is the primary code
    },
    "eurostat": {
        "GR": "GRC",  # ISO form of Eurostat's EL
        "GB": "GBR",  # ISO form of Eurostat's UK
    },
    "wits": {},
}


def _check_source(source: str) -> str:
    """Refuse a source name this module does not know; a typo here is a programming error."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {SOURCES}")
    return source


@functools.cache
def country_table() -> pl.DataFrame:
    """The whole reference, loaded once: codes as strings (leading zeros matter), is_aggregate boolean."""
    import polars as pl

    schema: dict[str, pl.DataType] = {column: pl.String() for column in _TABLE_COLUMNS}
    schema["is_aggregate"] = pl.Boolean()
    return pl.read_csv(COUNTRIES_CSV, schema=schema, encoding="utf8")


@functools.cache
def known_iso3() -> frozenset[str]:
    """Every ISO3 in the reference, aggregates (WLD, EUU) included. Read with the csv module, not Polars: loading
    the config checks its country codes on every refresh, and a current store's start-up must stay quick."""
    with COUNTRIES_CSV.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["iso3"] for row in csv.DictReader(handle))


def is_known_iso3(code: str) -> bool:
    """Whether ``code`` is an ISO3 of the reference (exact, upper case, as stored)."""
    return code in known_iso3()


def _normalise_code(source: str, code: str | int) -> str:
    """Put a source code in stored form: Comtrade without leading zeros, Census as 4 digits."""
    if isinstance(code, bool):  # bool is an int; True is never a country code
        return str(code)
    text = str(code).strip()
    if source == "comtrade" and text.isdigit():
        return str(int(text))
    if source == "census" and text.isdigit() and len(text) < _CENSUS_CODE_WIDTH:
        return text.zfill(_CENSUS_CODE_WIDTH)
    if source == "eurostat":
        return text.upper()
    if source == "wits" and text.isdigit():
        return text.zfill(_WITS_CODE_WIDTH)
    return text


def _normalise_expr(expr: pl.Expr, source: str) -> pl.Expr:
    """The vectorised twin of ``_normalise_code`` for a column of codes of any dtype."""
    import polars as pl

    text = expr.cast(pl.String).str.strip_chars()
    if source == "comtrade":
        return text.str.replace(r"^0+(\d)", "$1")
    if source == "census":
        short = text.str.contains(r"^\d{1,3}$")
        return pl.when(short).then(text.str.zfill(_CENSUS_CODE_WIDTH)).otherwise(text)
    if source == "wits":
        short = text.str.contains(r"^\d{1,2}$")
        return pl.when(short).then(text.str.zfill(_WITS_CODE_WIDTH)).otherwise(text)
    return text.str.to_uppercase()


def code_table(source: str) -> pl.DataFrame:
    """``iso3`` and ``code`` (null where the source has none): the CSV column, or derived for WITS."""
    import polars as pl

    if source != "wits":
        return country_table().select("iso3", code=_CODE_COLUMNS[_check_source(source)])
    iso3 = pl.col("iso3")
    derived = iso3.replace_strict(_WITS_NOT_COMTRADE, default=pl.col("comtrade_code"), return_dtype=pl.String)
    return country_table().select("iso3", code=derived.str.zfill(_WITS_CODE_WIDTH))


@functools.cache
def _to_iso3_lookup(source: str) -> dict[str, str]:
    """Source code -> ISO3 for one source, primary codes plus aliases; built once per source."""
    table = code_table(source).drop_nulls("code")
    lookup = dict(zip(table.get_column("code").to_list(), table.get_column("iso3").to_list(), strict=True))
    lookup.update(_ALIASES[source])
    return lookup


@functools.cache
def _from_iso3_lookup(source: str) -> dict[str, str | None]:
    """ISO3 -> the source's current code (None where the source has no code for that ISO3)."""
    table = code_table(source)
    return dict(zip(table.get_column("iso3").to_list(), table.get_column("code").to_list(), strict=True))


def to_iso3(source: str, code: str | int) -> str:
    """The ISO3 for a code spoken by ``source``; Comtrade accepts 156 or "156", and aliases.

    Raises CountryCodeError naming the source and the code when the reference does not know it.
    """
    normalised = _normalise_code(_check_source(source), code)
    iso3 = _to_iso3_lookup(source).get(normalised)
    if iso3 is None:
        raise CountryCodeError(source, code)
    return iso3


def from_iso3(source: str, iso3: str) -> str:
    """The code ``source`` uses for ``iso3``, to build requests.

    Raises CountryCodeError when the ISO3 is unknown, or when that source has no code for it.
    """
    lookup = _from_iso3_lookup(_check_source(source))
    if iso3 not in lookup:
        raise CountryCodeError("iso3", iso3)
    code = lookup[iso3]
    if code is None:
        raise CountryCodeError(source, f"{iso3} (known ISO3 without a {source} code)")
    return code


def source_to_iso3_map(source: str) -> dict[str, str]:
    """Every code of ``source`` (aliases included) -> ISO3, for polars ``replace_strict``.

    Keys are in normalised form (see ``map_source_codes``). A fresh copy, so callers may change it.
    """
    return dict(_to_iso3_lookup(_check_source(source)))


def map_source_codes(frame: pl.DataFrame, column: str, source: str) -> tuple[pl.DataFrame, list[str]]:
    """Replace ``column`` (codes of ``source``) by ISO3 and return the codes that could not be mapped.

    Rows whose code is unknown (or null) are removed from the frame, and their distinct codes are
    returned, as the source spelled them, so the caller can report them: unknown codes are reported,
    never silently dropped. A null code is reported as ``"<null>"``.
    """
    import polars as pl

    if column not in frame.columns:
        raise ValueError(f"frame has no column {column!r}; columns: {frame.columns}")
    mapping = source_to_iso3_map(source)
    normalised = _normalise_expr(pl.col(column), source)
    known = normalised.is_in(list(mapping)).fill_null(False)
    unmapped = (
        frame.filter(~known)
        .select(pl.col(column).cast(pl.String).fill_null("<null>").unique())
        .get_column(column)
        .sort()
        .to_list()
    )
    mapped = frame.filter(known).with_columns(
        normalised.replace_strict(mapping, return_dtype=pl.String).alias(column)
    )
    return mapped, unmapped


@functools.cache
def _names(lang: str) -> dict[str, str]:
    """ISO3 -> display name in one language, falling back to English where a name is missing."""
    import polars as pl

    table = country_table().select("iso3", name=pl.coalesce(_NAME_COLUMNS[lang], "name_en"))
    return dict(zip(table.get_column("iso3").to_list(), table.get_column("name").to_list(), strict=True))


def name(iso3: str, lang: str = "en") -> str:
    """Display name of ``iso3`` in English ("en") or Simplified Chinese ("zh"); unknown codes show as-is.

    Showing the raw code keeps charts readable when a store holds a code the reference lost.
    """
    if lang not in _NAME_COLUMNS:
        raise ValueError(f"unknown language {lang!r}; expected one of {tuple(_NAME_COLUMNS)}")
    return _names(lang).get(iso3, iso3)


def validate_iso3_list(codes: Iterable[str]) -> list[str]:
    """The codes that are not ISO3 of the reference, in first-seen order, each once (e.g. from config)."""
    known = known_iso3()
    return list(dict.fromkeys(code for code in codes if code not in known))


def eu_members(year: int) -> tuple[str, ...]:
    """ISO3 of the EU members in ``year``: the markets where a tariff reported by the EU (EUU, WITS 918) applies.

    EU-27, without Croatia before it joined (2013) and with the United Kingdom up to 2020 (the transition
    period ended on 31 December 2020)."""
    members = [code for code in EU27 if code != "HRV" or year >= 2013]
    if year <= 2020:
        members.append("GBR")
    return tuple(sorted(members))
