"""The fetchers, one module per public source, found by source id.

Modules are imported on first use (``get_fetcher``), so a source whose module is missing or broken fails
with a clear error for that source only, and the others still run.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from tracker.errors import ConfigError
from tracker.sources.base import Fetcher

# source id -> (module, fetcher class)
MODULES: dict[str, tuple[str, str]] = {
    "comtrade": ("tracker.sources.comtrade", "ComtradeFetcher"),
    "census": ("tracker.sources.census", "CensusFetcher"),
    "comext": ("tracker.sources.comext", "ComextFetcher"),
    "eurostat_ecommerce": ("tracker.sources.eurostat_ecommerce", "EurostatEcommerceFetcher"),
    "worldbank": ("tracker.sources.worldbank", "WorldBankFetcher"),
    "wits": ("tracker.sources.wits", "WitsFetcher"),
    "imf_weo": ("tracker.sources.imf_weo", "ImfWeoFetcher"),
}

_INSTANCES: dict[str, Fetcher] = {}


def get_fetcher(source_id: str) -> Fetcher:
    """The fetcher instance for ``source_id``; ConfigError naming the module when it cannot be loaded."""
    if source_id in _INSTANCES:
        return _INSTANCES[source_id]
    if source_id not in MODULES:
        raise ConfigError("sources.toml", f"sources.{source_id}", f"a source with a fetcher, one of {list(MODULES)}")
    module_name, class_name = MODULES[source_id]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ConfigError(module_name, "(module)", f"the fetcher module for {source_id!r} (it does not exist yet)") \
            from None
    fetcher_class = getattr(module, class_name, None)
    if fetcher_class is None:
        raise ConfigError(module_name, class_name, f"a fetcher class for {source_id!r}")
    instance: Fetcher = fetcher_class()
    _INSTANCES[source_id] = instance
    return instance


class _LazyFetchers(Mapping[str, Fetcher]):
    """``FETCHERS[source_id]``: a read-only mapping that imports a fetcher module on first access."""

    def __getitem__(self, source_id: str) -> Fetcher:
        if source_id not in MODULES:
            raise KeyError(source_id)
        return get_fetcher(source_id)

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


FETCHERS: Mapping[str, Fetcher] = _LazyFetchers()
