"""The standard SDMX "no data" answer, shared by the SDMX sources (Comext, the Eurostat statistics API, WITS).

Why: SDMX web services answer a query that matches nothing with an error status and an error body rather
than an empty data message. Treated as a failure, such a request is retried on every run and counts as a
failing source, although the API said plainly that there is nothing to fetch. The shapes, as the services
send them:

* SDMX-ML 2.1 (Comext's SDMX API, and SDMX services in general), HTTP 404:
  ``<mes:Error><mes:ErrorMessage code="100"><com:Text>No Results Found</com:Text></mes:ErrorMessage></mes:Error>``
  (code 100 is SDMX's "No results found"; the text varies by service and language).
* WITS, HTTP 404: an SDMX-ML error whose text is ``NoRecordsFound``.
* The Eurostat statistics API (JSON-stat), HTTP 404 or 400:
  ``{"error": [{"status": 404, "id": 100, "label": "..."}]}``; its fault table documents id 100 "No results
  found" both for an empty result (400) and for a resource that is not available (404). A label saying the
  dataset "is not available for dissemination" (``ERR_NOT_FOUND_4``, seen in real answers) names a dataset
  that does not exist, which is a failure, never an empty answer.

Everything else (another error code, an HTML page, a truncated body) is not "no data": the parser refuses it.
"""

from __future__ import annotations

import json
import re
from typing import Final

NO_RESULTS_CODE: Final = "100"  # SDMX's "No results found"
NOT_DISSEMINATED: Final = "not available for dissemination"  # Eurostat: the dataset itself does not exist
SNIFF_BYTES: Final = 8192  # error bodies are short; the client keeps at most a few KB of them anyway

_ERROR_ROOT = re.compile(r"<(?:[\w.-]+:)?Error[\s>]", re.IGNORECASE)
_ERROR_MESSAGE = re.compile(r"<(?:[\w.-]+:)?ErrorMessage\b[^>]*\bcode\s*=\s*[\"']\s*(\d+)\s*[\"']", re.IGNORECASE)
_TEXT = re.compile(r"<(?:[\w.-]+:)?Text\b[^>]*>(.*?)</(?:[\w.-]+:)?Text>", re.IGNORECASE | re.DOTALL)


def is_xml(body: bytes) -> bool:
    """Whether the body starts as XML or HTML does (after a BOM and white space)."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def is_no_data(body: bytes) -> bool:
    """Whether ``body`` is an SDMX "no data" answer (SDMX-ML error code 100, WITS ``NoRecordsFound``, or the
    statistics API's JSON error id 100 that is not a missing dataset)."""
    head = body[:SNIFF_BYTES]
    if is_xml(head):
        text = head.decode("utf-8", errors="replace")
        if "norecordsfound" in text.lower().replace(" ", ""):
            return True
        codes = _ERROR_MESSAGE.findall(text)
        return bool(_ERROR_ROOT.search(text)) and bool(codes) and all(code == NO_RESULTS_CODE for code in codes)
    errors = json_errors(body)
    return bool(errors) and all(str(error.get("id")) == NO_RESULTS_CODE
                                and NOT_DISSEMINATED not in str(error.get("label", "")).lower() for error in errors)


def json_errors(body: bytes) -> list[dict[str, object]]:
    """The entries of a statistics-API error body (``{"error": [...]}`` or ``{"error": {...}}``); [] otherwise."""
    if len(body) > SNIFF_BYTES or not body.lstrip().startswith(b"{"):
        return []
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    error = doc.get("error") if isinstance(doc, dict) else None
    entries = error if isinstance(error, list) else [error] if isinstance(error, dict) else []
    return [entry for entry in entries if isinstance(entry, dict)]


def error_text(body: bytes) -> str | None:
    """What an SDMX-ML or JSON error body says ("code 150: ..."), for error messages; None if it is not one."""
    head = body[:SNIFF_BYTES]
    if is_xml(head):
        text = head.decode("utf-8", errors="replace")
        if not _ERROR_ROOT.search(text):
            return None
        codes = _ERROR_MESSAGE.findall(text)
        texts = [re.sub(r"\s+", " ", found).strip() for found in _TEXT.findall(text)]
        return f"code {'/'.join(codes) or '?'}: {'; '.join(t for t in texts if t)[:200]}"
    errors = json_errors(body)
    if not errors:
        return None
    return "; ".join(f"id {error.get('id', '?')} (HTTP {error.get('status', '?')}): {str(error.get('label', ''))[:200]}"
                     for error in errors)
