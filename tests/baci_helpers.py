"""Small BACI releases in the real layout, built by the tests themselves (our own numbers, CEPII's file names)."""

from __future__ import annotations

import zipfile
from pathlib import Path

HEADER = "t,i,j,k,v,q"
COUNTRIES = [
    # country_code, country_name, country_iso2, country_iso3
    ("156", "China", "CN", "CHN"),
    ("251", "France", "FR", "FRA"),
    ("842", "USA", "US", "USA"),
    ("490", "Other Asia, nes", "", "S19"),
    ("899", "Other Europe, nes", "", "R20"),
    ("711", "South African Customs Union", "ZA", "ZA1"),
    ("999", "Areas, nes", "", ""),
]
# (i, j, k, v in thousands USD, q in tonnes or "" for empty)
ROWS_2022 = [
    (156, 842, "010121", "100.5", "2.0"),    # leading zero kept
    (156, 251, "610910", "50.25", ""),       # empty q
    (490, 842, "610910", "10", "1.0"),       # 490 = Taiwan
    (842, 899, "610910", "5", "0.5"),        # unmapped partner R20
    (899, 156, "950300", "7", "1"),          # unmapped exporter R20
    (251, 156, "9999AA", "3", ""),           # not an HS6 code: totals only
    (251, 842, "10121", "2", "0.1"),         # five digits: the lost leading zero is restored
]


def year_csv(year: int, rows: list[tuple[object, ...]]) -> str:
    lines = [HEADER, *(",".join(str(cell) for cell in (year, *row)) for row in rows)]
    return "\n".join(lines) + "\n"


def country_csv(countries: list[tuple[str, ...]] = COUNTRIES) -> str:
    lines = ["country_code,country_name,country_iso2,country_iso3",
             *(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in countries)]
    return "\n".join(lines) + "\n"


def release_files(years: dict[int, list[tuple[object, ...]]], hs: str = "HS17", version: str = "V202601",
                  with_countries: bool = True) -> dict[str, str]:
    files = {f"BACI_{hs}_Y{year}_{version}.csv": year_csv(year, rows) for year, rows in years.items()}
    if with_countries:
        files[f"country_codes_{version}.csv"] = country_csv()
    files[f"product_codes_{hs}_{version}.csv"] = 'code,description\n010121,"Horses, pure-bred"\n'
    files["Readme.txt"] = "BACI test release built by the test suite.\n"
    return files


def write_zip(folder: Path, files: dict[str, str], name: str | None = None) -> Path:
    """A zip named like CEPII's (BACI_HS17_V202601.zip) unless ``name`` is given."""
    if name is None:
        year_file = next(key for key in files if key.startswith("BACI_"))
        hs, _, version = year_file.removesuffix(".csv").split("_")[1:]
        name = f"BACI_{hs}_{version}.zip"
    path = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for member, text in files.items():
        (folder / member).write_text(text, encoding="utf-8")
    return folder
