"""SDMX-JSON answers of the real WITS TRAINS shape, built by hand for the source and fetch tests."""

from __future__ import annotations

import json
from typing import Any

# Attributes in the order a real answer lists them; observations hold [OBS_VALUE, one index per attribute].
ATTRIBUTES = ("NOMENCODE", "EXCLUDEDFROM", "TARIFFTYPE", "SUM_OF_RATES", "MIN_RATE", "MAX_RATE", "TOTALNOOFLINES",
              "NBR_PREF_LINES", "NBR_MFN_LINES", "NBR_NA_LINES", "OBS_VALUE_MEASURE")
DIMENSIONS = ("FREQ", "REPORTER", "PARTNER", "PRODUCTCODE", "DATATYPE")  # as structure.dimensions.series lists them
REAL_SLOTS = {"FREQ": 0, "REPORTER": 1, "PRODUCTCODE": 2, "PARTNER": 3, "DATATYPE": 4}  # as real keys use them
LISTED_SLOTS = {name: index for index, name in enumerate(DIMENSIONS)}
NO_RECORDS = (b'<?xml version="1.0" encoding="utf-8"?><message:Error xmlns:message="http://www.sdmx.org/resources/'
              b'sdmxml/schemas/v2_1/message"><common:ErrorMessage xmlns:common="http://www.sdmx.org/resources/sdmxml/'
              b'schemas/v2_1/common" code="100"><common:Text>NoRecordsFound</common:Text></common:ErrorMessage>'
              b'</message:Error>')


def row(product: str, tariff_type: str, average: float | None, low: str, high: str, lines: int,
        na_lines: int = 0, year: str = "2023") -> dict[str, Any]:
    return {"product": product, "type": tariff_type, "avg": average, "min": low, "max": high, "lines": lines,
            "na": na_lines, "year": year}


def answer(reporter: str, partner: str, rows: list[dict[str, Any]], slots: dict[str, int] = REAL_SLOTS,
           key_position: bool = False, datatype: str = "AveEstimated") -> bytes:
    """An SDMX-JSON data message as WITS writes it: value lists per dimension and attribute, indexes elsewhere.

    A row may name its own ``partner`` (WITS code): the answer to a request for several partners.
    """
    products = list(dict.fromkeys(r["product"] for r in rows))
    partners = list(dict.fromkeys([partner, *(r.get("partner", partner) for r in rows)]))
    years = sorted({r["year"] for r in rows})
    dim_values = {"FREQ": ["A"], "REPORTER": [reporter], "PARTNER": partners, "PRODUCTCODE": products,
                  "DATATYPE": [datatype]}
    attr_values: dict[str, list[str]] = {name: [] for name in ATTRIBUTES}

    def index(name: str, value: str) -> int:
        if value not in attr_values[name]:
            attr_values[name].append(value)
        return attr_values[name].index(value)

    series: dict[str, Any] = {}
    for r in rows:
        indexes = {"FREQ": 0, "REPORTER": 0, "PARTNER": partners.index(r.get("partner", partner)),
                   "PRODUCTCODE": products.index(r["product"]), "DATATYPE": 0}
        key = [0] * len(DIMENSIONS)
        for name, slot in slots.items():
            key[slot] = indexes[name]
        attrs = {"NOMENCODE": "H6", "EXCLUDEDFROM": "", "TARIFFTYPE": r["type"], "SUM_OF_RATES": "0",
                 "MIN_RATE": r["min"], "MAX_RATE": r["max"], "TOTALNOOFLINES": str(r["lines"]),
                 "NBR_PREF_LINES": "0", "NBR_MFN_LINES": str(r["lines"]), "NBR_NA_LINES": str(r["na"]),
                 "OBS_VALUE_MEASURE": "SimpleAverage"}
        observation = [r["avg"], *(index(name, attrs[name]) for name in ATTRIBUTES)]
        entry = series.setdefault(":".join(map(str, key)), {"attributes": [], "observations": {}})
        entry["observations"][str(years.index(r["year"]))] = observation
    dimensions = []
    for name in DIMENSIONS:
        dimension: dict[str, Any] = {"id": name, "name": name.title(),
                                     "values": [{"id": value, "name": value} for value in dim_values[name]]}
        if key_position:
            dimension["keyPosition"] = slots[name]
        dimensions.append(dimension)
    payload = {
        "header": {"id": "x", "test": False, "prepared": "2026-01-05T00:00:00"},
        "dataSets": [{"action": "Information", "series": series}],
        "structure": {
            "dimensions": {"dataset": [], "series": dimensions,
                           "observation": [{"id": "TIME_PERIOD", "values": [{"id": y, "name": y} for y in years]}]},
            "attributes": {"dataset": [], "series": [],
                           "observation": [{"id": name, "values": [{"id": v, "name": v} for v in attr_values[name]]}
                                           for name in ATTRIBUTES]},
        },
    }
    return json.dumps(payload).encode()
