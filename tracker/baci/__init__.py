"""CEPII BACI: the world trade matrix (every exporter × importer × HS6, annual), imported from its bulk files."""

from tracker.baci.importer import ImportSummary, Release, import_baci, stored_release
from tracker.baci.layout import BaciDataError
from tracker.sources.baci import SOURCE

__all__ = ["SOURCE", "BaciDataError", "ImportSummary", "Release", "import_baci", "stored_release"]
