"""Optional AI rewrite of the findings into a short paragraph, through any OpenAI-compatible endpoint.

Off unless both ``TRACKER_LLM_BASE_URL`` (e.g. ``http://127.0.0.1:11434/v1`` for a local Ollama) and
``TRACKER_LLM_MODEL`` are set; without them no request is ever made. ``TRACKER_LLM_API_KEY`` (optional) is sent
as a Bearer token and never logged, shown or put in an error message. The request goes through
``tracker.http.post_json``: one deadline for the whole exchange, a cap on the answer, no key to another host.

A rewrite is only accepted when every number in it appears in the deterministic findings (``unsupported_numbers``):
formats are normalised first (``1,234.5`` = ``1234.50``; ``$1.23 bn`` = ``12.3 亿美元``; signs are ignored, so
"fell 3.2%" matches ``-3.2%``). Otherwise, or on a timeout or error, the caller shows the findings as they are,
with the reason (``Rewrite.reason``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from tracker.http import PostError, post_json
from tracker.texts import LANGUAGES, text

DEFAULT_TIMEOUT_SECONDS = 8.0  # the page waits for it once per findings text (the rewrite is cached)
MAX_TOKENS = 400
MAX_ANSWER_BYTES = 1_000_000  # 400 tokens of text fit in a few kilobytes; a larger answer is refused unread
SCALES = {"bn": Decimal("1e9"), "billion": Decimal("1e9"), "m": Decimal("1e6"), "million": Decimal("1e6"),
          "亿": Decimal("1e8"), "万": Decimal("1e4")}
NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(bn\b|billion\b|million\b|m\b|亿|万)?")
# What the model is asked, per language (``tracker.texts.llm``).
INSTRUCTIONS = {lang: text("llm", "instructions", lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class LlmSettings:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Rewrite:
    """The accepted paragraph (``text``), or None with the reason the findings are shown as they are:
    ``invented_number`` (``detail`` lists them), ``timeout`` (``detail``: the seconds waited), ``unreachable``,
    ``error`` (``detail``: the HTTP status) or ``bad_answer`` (no usable text in the answer)."""

    text: str | None
    reason: str | None = None
    detail: str = ""


def settings_from_env(environ: Mapping[str, str] | None = None) -> LlmSettings | None:
    """The endpoint settings, or None when the rewrite is off (either variable missing or empty)."""
    environ = os.environ if environ is None else environ
    base, model = environ.get("TRACKER_LLM_BASE_URL", "").strip(), environ.get("TRACKER_LLM_MODEL", "").strip()
    if not base or not model:
        return None
    return LlmSettings(base.rstrip("/"), model, environ.get("TRACKER_LLM_API_KEY") or None)


def _values(text: str) -> list[tuple[str, Decimal, Decimal | None]]:
    """(token, value, value × scale when a unit word follows) for every number in ``text``, signs dropped."""
    found = []
    for match in NUMBER.finditer(text):
        value = Decimal(match.group(1).replace(",", ""))
        unit = match.group(2)
        found.append((match.group(0).strip(), value, value * SCALES[unit] if unit else None))
    return found


def unsupported_numbers(rewrite: str, findings_text: str) -> list[str]:
    """The numbers of ``rewrite`` that do not appear in ``findings_text`` (after normalising formats).

    A number with a unit word (m, bn, 亿, 万...) must match an amount of the findings; one without must match
    a figure as written there (so ``150 亿`` does not pass on the strength of ``$150.0 m``)."""
    figures: set[Decimal] = set()
    amounts: set[Decimal] = set()
    for _, value, scaled in _values(findings_text):
        figures.add(value)
        if scaled is not None:
            amounts.add(scaled)
    return [token for token, value, scaled in _values(rewrite)
            if (scaled not in amounts if scaled is not None else value not in figures)]


def rewrite_findings(findings_text: str, lang: str, settings: LlmSettings,
                     transport: httpx.BaseTransport | None = None) -> Rewrite:
    """Ask the endpoint for a short paragraph and check its numbers; never raises for a network problem."""
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    body = {
        "model": settings.model,
        "messages": [{"role": "system", "content": INSTRUCTIONS.get(lang, INSTRUCTIONS["en"])},
                     {"role": "user", "content": findings_text}],
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
        "stream": False,
    }
    try:
        response = post_json(f"{settings.base_url}/chat/completions", body, headers=headers,
                             secrets=(settings.api_key,) if settings.api_key else (), transport=transport,
                             deadline_seconds=settings.timeout_seconds, max_body_bytes=MAX_ANSWER_BYTES)
    except PostError as exc:
        if exc.kind == "timeout":
            return Rewrite(None, "timeout", f"{settings.timeout_seconds:g}")
        return Rewrite(None, "bad_answer" if exc.kind in ("too_large", "unreadable") else "unreachable")
    if response.status_code >= 400:
        return Rewrite(None, "error", f"HTTP {response.status_code}")
    try:
        text = json.loads(response.content)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return Rewrite(None, "bad_answer")
    if not isinstance(text, str) or not text.strip():
        return Rewrite(None, "bad_answer")
    invented = unsupported_numbers(text, findings_text)
    if invented:
        return Rewrite(None, "invented_number", ", ".join(dict.fromkeys(invented)))
    return Rewrite(text.strip())
