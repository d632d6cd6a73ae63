"""Small BACI releases in the real layout and format, built by the tests themselves (our own numbers, CEPII's
file names and quirks).

As CEPII writes them: ``v`` and ``q`` right-aligned in 13 characters with 3 decimals (``        0.357``), a
missing quantity as ``NA`` padded the same way (``           NA``), ``i``/``j`` not zero-padded, ``k`` with its
leading zero; the country file's quirks are in ``REAL_COUNTRIES``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEADER = "t,i,j,k,v,q"
NUMBER_WIDTH = 13  # as in BACI_HS22_Y2022_V202401b.csv: "2022,4,20,210610,        0.357,        0.002"
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
# The real country file's quirks (country_code, country_name, country_iso2, country_iso3): historical codes that
# share an ISO3, an empty ISO2 (Namibia), names double-encoded by CEPII, 490 "Other Asia, nes" (S19, Taiwan),
# placeholders for groups (R20, ZA1) and a name with a comma (quoted).
REAL_COUNTRIES = [
    ("4", "Afghanistan", "AF", "AFG"),
    ("56", "Belgium", "BE", "BEL"),
    ("58", "Belgium-Luxembourg (...1998)", "BE", "BEL"),
    ("156", "China", "CN", "CHN"),
    ("251", "France", "FR", "FRA"),
    ("276", "Germany", "DE", "DEU"),
    ("280", "Fed. Rep. of Germany (...1990)", "DE", "DEU"),
    ("384", "CÃ´te d'Ivoire", "CI", "CIV"),
    ("490", "Other Asia, nes", "", "S19"),
    ("516", "Namibia", "", "NAM"),
    ("711", "South African Customs Union (...1999)", "ZA", "ZA1"),
    ("729", "Sudan", "SD", "SDN"),
    ("736", "Sudan (...2011)", "SD", "SDN"),
    ("792", "TÃ¼rkiye", "TR", "TUR"),
    ("842", "USA", "US", "USA"),
    ("899", "Areas, nes", "", "R20"),
]
# (i, j, k, v in thousands USD, q in tonnes or "" for a missing quantity, written NA)
ROWS_2022 = [
    (156, 842, "010121", "100.5", "2.0"),    # leading zero kept
    (156, 251, "610910", "50.25", ""),       # empty q
    (490, 842, "610910", "10", "1.0"),       # 490 = Taiwan
    (842, 899, "610910", "5", "0.5"),        # unmapped partner R20
    (899, 156, "950300", "7", "1"),          # unmapped exporter R20
    (251, 156, "9999AA", "3", ""),           # not an HS6 code: totals only
    (251, 842, "10121", "2", "0.1"),         # five digits: the lost leading zero is restored
]


def cepii_number(value: object) -> str:
    """A v or q as CEPII writes it: 3 decimals, right-aligned in ``NUMBER_WIDTH``; missing ("" or None) as NA."""
    text = "NA" if value in ("", None) else f"{float(value):.3f}"  # type: ignore[arg-type]
    return text.rjust(NUMBER_WIDTH)


def year_csv(year: int, rows: list[tuple[object, ...]]) -> str:
    """A yearly file in CEPII's format (padded v and q, NA for a missing q)."""
    lines = [HEADER, *(",".join(str(cell) for cell in (year, i, j, k, cepii_number(v), cepii_number(q)))
                       for i, j, k, v, q in rows)]
    return "\n".join(lines) + "\n"


def country_csv(countries: list[tuple[str, ...]] = COUNTRIES) -> str:
    lines = ["country_code,country_name,country_iso2,country_iso3",
             *(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in countries)]
    return "\n".join(lines) + "\n"


def product_csv(codes: list[str]) -> str:
    return "code,description\n" + "".join(f'{code},"Product {code}, as described by CEPII"\n' for code in codes)


def release_files(years: dict[int, list[tuple[object, ...]]], hs: str = "HS17", version: str = "V202601",
                  with_countries: bool = True, countries: list[tuple[str, ...]] = COUNTRIES,
                  products: list[str] | None = None) -> dict[str, str]:
    """A release's files; the product file lists ``products`` (default: the HS6 codes of the rows)."""
    files = {f"BACI_{hs}_Y{year}_{version}.csv": year_csv(year, rows) for year, rows in years.items()}
    if with_countries:
        files[f"country_codes_{version}.csv"] = country_csv(countries)
    if products is None:
        products = sorted({str(row[2]).zfill(6) for rows in years.values() for row in rows
                           if str(row[2]).isdigit()})
    files[f"product_codes_{hs}_{version}.csv"] = product_csv(products)
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
