"""Decode JSON-stat 2.0 datasets (Eurostat's statistics API) into one row per observation.

Both Eurostat fetchers read this format: the e-commerce survey and the euro exchange rates that convert
Comext values to USD. A JSON-stat body is a cube: ``id`` gives the dimension order, ``size`` the number of
categories per dimension, ``dimension.{d}.category.index`` each category's position (a ``{code: position}``
object, or a list of codes), ``dimension.{d}.category.label`` its name, and ``value`` the observations,
either a dense list or a sparse object keyed by the row-major flat index as a string. Absent and null
values are simply not observations, so they produce no row; so is a cell whose ``status`` flag is ``:``
(Eurostat's "not available", the flag its CSV answers write in place of the value). A value that is not a
JSON number (``"12"``, ``true``, NaN) is malformed: given a ``Quarantine``, the observation is skipped and
counted; without one (reference data such as exchange rates), it is a PayloadError.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from tracker.errors import PayloadError
from tracker.sources.base import Quarantine, preview
from tracker.sources.values import json_number

VALUE_COLUMN = "value"
REQUIRED_KEYS = ("id", "size", "value", "dimension")
MISSING_FLAG = ":"  # Eurostat's status for a value it does not publish


@dataclass(frozen=True)
class JsonStatTable:
    """A decoded cube: one row per observation (a String column per dimension, Float64 ``value``) and labels."""

    frame: pl.DataFrame
    labels: dict[str, dict[str, str]]  # dimension -> category code -> label


def loads(body: bytes, source: str) -> Mapping[str, Any]:
    """Parse the body as a JSON object; anything else is a PayloadError naming the source."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(source, f"expected a JSON-stat document, got non-JSON ({_preview(body)})") from exc
    if not isinstance(doc, dict):
        raise PayloadError(source, f"expected a JSON-stat object, got {type(doc).__name__}")
    return doc


def decode(doc: Mapping[str, Any], source: str, quarantine: Quarantine | None = None) -> JsonStatTable:
    """Turn a JSON-stat 2.0 dataset into rows; a missing or inconsistent part is a PayloadError, and so is a
    malformed observation unless a ``quarantine`` is given to skip and count it."""
    missing = [key for key in REQUIRED_KEYS if key not in doc]
    if missing:
        raise PayloadError(source, f"JSON-stat document lacks {missing} (has {sorted(doc)[:10]})")
    dims, sizes = doc["id"], doc["size"]
    if not (isinstance(dims, list) and isinstance(sizes, list) and len(dims) == len(sizes)):
        raise PayloadError(source, f"JSON-stat 'id' and 'size' must be lists of equal length, got {dims!r}, {sizes!r}")
    if not isinstance(doc["dimension"], dict):
        raise PayloadError(source, "JSON-stat 'dimension' must be an object")
    codes: list[list[str]] = []
    labels: dict[str, dict[str, str]] = {}
    for dim, size in zip(dims, sizes, strict=True):
        codes.append(_category_codes(doc["dimension"], dim, size, source))
        raw_labels = doc["dimension"][dim]["category"].get("label") or {}
        labels[dim] = {str(code): str(label) for code, label in raw_labels.items()}
    absent = _missing_cells(doc.get("status"))
    observations = [(flat, value) for flat, value in _observations(doc["value"], math.prod(sizes), source, quarantine)
                    if flat not in absent]
    strides = _strides(sizes)
    columns: dict[str, list[str]] = {dim: [] for dim in dims}
    values: list[float] = []
    for flat, value in observations:
        for dim, stride, size, dim_codes in zip(dims, strides, sizes, codes, strict=True):
            columns[dim].append(dim_codes[(flat // stride) % size])
        values.append(value)
    schema: dict[str, pl.DataType] = {dim: pl.String() for dim in dims}
    schema[VALUE_COLUMN] = pl.Float64()
    frame = pl.DataFrame({**columns, VALUE_COLUMN: values}, schema=schema)
    return JsonStatTable(frame=frame, labels=labels)


def _category_codes(dimensions: Mapping[str, Any], dim: str, size: object, source: str) -> list[str]:
    """Category codes of one dimension in position order, checked against its declared size."""
    if not isinstance(size, int) or size < 0:
        raise PayloadError(source, f"JSON-stat size of dimension {dim!r} is not a count: {size!r}")
    entry = dimensions.get(dim)
    category = entry.get("category") if isinstance(entry, dict) else None
    if not isinstance(category, dict):
        raise PayloadError(source, f"JSON-stat dimension {dim!r} has no category object")
    index = category.get("index")
    if index is None and isinstance(category.get("label"), dict) and len(category["label"]) == 1:
        index = list(category["label"])  # JSON-stat lets a single-category dimension omit its index
    if isinstance(index, list):
        ordered = [str(code) for code in index]
    elif isinstance(index, dict):
        ordered = [""] * len(index)
        for code, position in index.items():
            if not isinstance(position, int) or not 0 <= position < len(index):
                raise PayloadError(source, f"JSON-stat dimension {dim!r}: bad index {position!r} for {code!r}")
            ordered[position] = str(code)
        if len(set(ordered)) != len(ordered):
            raise PayloadError(source, f"JSON-stat dimension {dim!r}: positions are not one per category")
    else:
        raise PayloadError(source, f"JSON-stat dimension {dim!r} has no category index")
    if len(ordered) != size:
        raise PayloadError(source, f"JSON-stat dimension {dim!r} has {len(ordered)} categories but size {size}")
    return ordered


def _missing_cells(status: object) -> set[int]:
    """Flat indexes whose status flag is ``:`` (not available), from a dense list or a sparse object."""
    items = enumerate(status) if isinstance(status, list) else status.items() if isinstance(status, dict) else []
    return {int(key) for key, flag in items if flag == MISSING_FLAG and str(key).isdigit()}


def _observations(raw: object, total: int, source: str, quarantine: Quarantine | None) -> list[tuple[int, float]]:
    """(flat index, value) pairs from a dense list or a sparse object; nulls are absent observations."""
    if isinstance(raw, list):
        items: list[tuple[object, object]] = list(enumerate(raw))
    elif isinstance(raw, dict):
        items = list(raw.items())
    else:
        raise PayloadError(source, f"JSON-stat 'value' must be a list or an object, got {type(raw).__name__}")
    pairs: list[tuple[int, float]] = []
    for key, value in items:
        if value is None or value == MISSING_FLAG:
            continue
        if quarantine is not None:
            quarantine.read += 1
        try:
            pairs.append(_observation(key, value, total, source))
        except PayloadError as exc:
            if quarantine is None:
                raise
            quarantine.skip(exc)
    return pairs


def _observation(key: object, value: object, total: int, source: str) -> tuple[int, float]:
    """One (flat index, value); PayloadError naming it when the index or the value is malformed."""
    try:
        flat = int(key)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise PayloadError(source, f"JSON-stat value index {key!r} is not a number") from None
    number = json_number(value, f"value {key!r}", source, "JSON-stat")
    assert number is not None  # nulls were skipped by the caller
    if not 0 <= flat < total:
        raise PayloadError(source, f"JSON-stat value index {flat} is outside the cube of {total} cells")
    return flat, number


def _strides(sizes: list[int]) -> list[int]:
    """Row-major strides: the last dimension varies fastest."""
    strides = [1] * len(sizes)
    for position in range(len(sizes) - 2, -1, -1):
        strides[position] = strides[position + 1] * sizes[position + 1]
    return strides


def _preview(body: bytes) -> str:
    """The quoted start of a body for error messages, or "an empty body"."""
    text = preview(body)
    return repr(text) if text else "an empty body"
