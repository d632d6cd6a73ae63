"""Eurostat household e-commerce survey: who buys online, from which sellers, and which goods.

Three JSON-stat datasets of the statistics API, one request each:

* ``isoc_ec_ib20``: ``I_BLT12`` bought online in the last 12 months, % of individuals (``PC_IND``).
* ``isoc_ec_ibos``: seller origin ``I_BPG_DOM`` national, ``I_BPG_EU`` other EU countries, ``I_BPG_WRLD``
  outside the EU, ``I_BPG_FOR`` any foreign seller; units ``PC_IND`` and ``PC_IND_BUY3``.
* ``isoc_ec_ibgs``: goods categories. The full code list is unverified, so no ``indic_is`` filter is
  sent: every category the answer holds is stored with the label the answer gives it. The requested
  groups' ``ecommerce_categories`` are therefore a subset of what is stored.

Choices recorded here so they are not rediscovered:

* Every request asks ``ind_type=IND_TOTAL`` (all individuals) and ``sinceTimePeriod`` = the first year;
  ``geo`` filters are added only when reporters are configured (or given in the scope).
* ``indicator`` is the ``indic_is`` code, ``indicator_label`` its label from the answer; ``category`` is
  the goods category code (the same ``indic_is`` code) for ``isoc_ec_ibgs`` rows and ``ALL`` otherwise.
* Markets: Eurostat geo codes through the country reference (EL → GRC, EU27_2020 → EUU). Other
  aggregates (EA, EA20, EU28, ...: anything that is not two letters, and EA) are skipped silently: they
  are not markets. An unknown two-letter code goes to ``unknown_codes``.
* Missing observations are absent from JSON-stat's sparse ``value`` (or flagged ``:``): they simply produce
  no row. Status flags (``p`` provisional, ``b`` break) are not stored. A malformed observation is skipped
  and counted (``Quarantine``). The API's "no results" error (id 100 with HTTP 400 or 404,
  ``tracker.sources.sdmx``) is an empty answer; its other errors are refused, naming id and label.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Final

import polars as pl

from tracker.countries import from_iso3, map_source_codes
from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import UTC_TIME, validate
from tracker.sources import jsonstat, sdmx
from tracker.sources.base import FetchScope, Parsed, Quarantine
from tracker.tables import ECOMMERCE

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE_ID: Final = "eurostat_ecommerce"
DATA_PATH: Final = "/eurostat/api/dissemination/statistics/1.0/data/"
GOODS_DATASET: Final = "isoc_ec_ibgs"
ALL_CATEGORIES: Final = "ALL"
IND_TYPE: Final = "IND_TOTAL"
NO_RESULTS_STATUSES: Final = (400, 404)  # the statistics API's "100 No results found" comes with either

# dataset -> the filters it is asked with (indic_is and unit values); empty means "all".
DATASETS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "isoc_ec_ib20": {"indic_is": ("I_BLT12",), "unit": ("PC_IND",)},
    "isoc_ec_ibos": {"indic_is": ("I_BPG_DOM", "I_BPG_EU", "I_BPG_WRLD", "I_BPG_FOR"),
                     "unit": ("PC_IND", "PC_IND_BUY3")},
    GOODS_DATASET: {},
}

# JSON-stat dimension -> our column: the one place Eurostat's vocabulary is translated.
ALIASES: Final = {"indic_is": "indicator", "geo": "market", "unit": "unit", "time": "period"}
COUNTRY_LIKE: Final = r"^[A-Z]{2}$"
AGGREGATES: Final = frozenset({"EA", "EU"})  # two-letter codes that are groups, not markets


class EurostatEcommerceFetcher:
    """Plans the three survey datasets and parses their JSON-stat answers into the ecommerce table."""

    source_id = SOURCE_ID
    answer_statuses = NO_RESULTS_STATUSES  # the runner adds them to every request: "no data" is an empty answer

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        """One request per dataset, since the first year; geo filters only when reporters are listed."""
        years = scope.years_for(settings)
        first_year = min(years)
        geo = tuple(("geo", from_iso3("eurostat", iso3)) for iso3 in scope.reporters_for(settings))
        categories = sorted({code for group in scope.groups for code in group.ecommerce_categories})
        requests: list[Request] = []
        for dataset, filters in DATASETS.items():
            params: list[tuple[str, str]] = [("format", "JSON"), ("lang", "EN"), ("ind_type", IND_TYPE)]
            params += [(name, value) for name, values in filters.items() for value in values]
            params += [*geo, ("sinceTimePeriod", str(first_year))]
            cursor = f"A/{first_year}/{dataset}"
            if dataset == GOODS_DATASET and categories:
                cursor += "/" + "+".join(categories)  # the groups' categories, kept among all stored ones
            requests.append(Request(
                source=SOURCE_ID,
                path=DATA_PATH + dataset,
                params=tuple(params),
                table=ECOMMERCE.name,
                cursor=cursor,
                periods=tuple(str(year) for year in range(first_year, max(max(years), settings.last_year) + 1)),
            ))
        return requests

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """Nothing to load: labels come with each answer."""

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        """JSON-stat → one row per (indicator, market, unit, year); see the module docstring."""
        if sdmx.is_no_data(body):
            return Parsed(ECOMMERCE.empty())  # "100 No results found" (``answer_statuses``)
        detail = sdmx.error_text(body)
        if detail:
            raise PayloadError(SOURCE_ID, f"the API answered with an error instead of data: {detail}")
        quarantine = Quarantine(SOURCE_ID, "observation")
        table = jsonstat.decode(jsonstat.loads(body, SOURCE_ID), SOURCE_ID, quarantine)
        frame, unknown = ecommerce_rows(table, dataset_of(request), fetched_at, quarantine)
        return quarantine.parsed(frame, unknown)


def dataset_of(request: Request) -> str:
    """The dataset code is the last path segment."""
    return request.path.rstrip("/").rsplit("/", 1)[-1]


def ecommerce_rows(table: jsonstat.JsonStatTable, dataset: str, fetched_at: datetime,
                   quarantine: Quarantine) -> tuple[pl.DataFrame, list[str]]:
    """Canonical rows and unknown geo codes from a decoded survey dataset (pure); a malformed observation (a
    period that is not a year, a value outside its unit's range) is skipped (``quarantine``)."""
    missing = [dimension for dimension in ALIASES if dimension not in table.frame.columns]
    if missing:
        raise PayloadError(SOURCE_ID, f"{dataset}: JSON-stat lacks dimension(s) {missing}")
    frame = table.frame
    if "ind_type" in frame.columns:
        frame = frame.filter(pl.col("ind_type") == IND_TYPE)
    frame = frame.select(*(pl.col(name).alias(alias) for name, alias in ALIASES.items()), "value")
    period = pl.col("period")
    bad_period = pl.when(~period.str.contains(r"^\d{4}$")).then(pl.concat_str([pl.lit("time '"), period,
                                                                               pl.lit("' is not YYYY")]))
    frame = quarantine.drop(frame, frame.select(bad_period.alias("problem")).get_column("problem"),
                            ["indicator", "market", "unit", "period"])
    frame, unmapped = map_source_codes(frame, "market", "eurostat")
    unknown = [code for code in unmapped if re.fullmatch(COUNTRY_LIKE, code) and code not in AGGREGATES]
    if frame.is_empty():
        return ECOMMERCE.empty(), unknown
    labels = table.labels.get("indic_is", {})
    result = frame.with_columns(
        source=pl.lit(SOURCE_ID),
        indicator_label=pl.col("indicator").replace_strict(labels, default=None, return_dtype=pl.String),
        category=pl.col("indicator") if dataset == GOODS_DATASET else pl.lit(ALL_CATEGORIES),
        year=pl.col("period").cast(pl.Int32),
        fetched_at=pl.lit(fetched_at).cast(UTC_TIME),
    )
    return validate(ECOMMERCE, quarantine.keep_valid(ECOMMERCE.name, result)), unknown
