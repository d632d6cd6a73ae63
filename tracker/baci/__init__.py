"""CEPII BACI: the world trade matrix (every exporter × importer × HS6, annual), imported from its bulk files."""

from tracker.baci.importer import SOURCE, ImportSummary, Release, import_baci, stored_release
from tracker.baci.layout import BaciDataError

__all__ = ["SOURCE", "BaciDataError", "ImportSummary", "Release", "import_baci", "stored_release"]
