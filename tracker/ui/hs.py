"""Short descriptions of the HS codes the configured groups use (``tracker.texts.hs``). A code not listed there
shows without a description; the group's notes in config still apply."""

from __future__ import annotations

from tracker.texts import hs, text


def describe(code: str, lang: str) -> str:
    """The description of ``code`` in ``lang``, or an empty string."""
    return text("hs", code, lang) if code in hs.TEXTS else ""
