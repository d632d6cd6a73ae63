"""A tile-grid world map: one square per country at a hand-placed (row, col), roughly where it lies.

No external geometry (no topojson, no map tiles): the app runs on a closed network. Countries missing from the
grid are listed under the map instead of being drawn.
"""

from __future__ import annotations

# (row, col): row 0 is the far north, col 0 the far west.
TILES: dict[str, tuple[int, int]] = {
    # North and Central America
    "CAN": (1, 2), "USA": (2, 2), "MEX": (3, 2), "GTM": (4, 2), "HND": (4, 3), "CRI": (5, 3), "PAN": (5, 4),
    "CUB": (3, 4), "DOM": (3, 5), "JAM": (4, 4), "PRI": (3, 6),
    # South America
    "COL": (6, 4), "VEN": (6, 5), "ECU": (7, 3), "PER": (7, 4), "BRA": (7, 5), "BOL": (8, 4), "PRY": (8, 5),
    "CHL": (9, 4), "ARG": (9, 5), "URY": (10, 5),
    # Europe
    "ISL": (0, 8), "NOR": (0, 10), "SWE": (0, 11), "FIN": (0, 12),
    "IRL": (1, 8), "GBR": (1, 9), "DNK": (1, 10), "EST": (1, 12), "LVA": (1, 13),
    "NLD": (2, 9), "DEU": (2, 10), "POL": (2, 11), "LTU": (2, 12), "BLR": (2, 13), "RUS": (1, 15),
    "FRA": (3, 8), "BEL": (3, 9), "LUX": (3, 10), "CZE": (3, 11), "SVK": (3, 12), "UKR": (3, 13),
    "PRT": (4, 7), "ESP": (4, 8), "CHE": (4, 9), "AUT": (4, 10), "HUN": (4, 11), "ROU": (4, 12),
    "MDA": (4, 13), "ITA": (5, 9), "SVN": (5, 10), "HRV": (5, 11), "SRB": (5, 12), "BGR": (5, 13),
    "MLT": (6, 9), "BIH": (6, 11), "MNE": (6, 12), "GRC": (6, 13), "CYP": (6, 14), "TUR": (5, 14),
    # Middle East, Central and South Asia
    "GEO": (4, 14), "KAZ": (2, 16), "UZB": (3, 16), "ISR": (7, 13), "JOR": (7, 14), "IRQ": (6, 15),
    "IRN": (5, 16), "PAK": (5, 17), "SAU": (7, 15), "KWT": (6, 16), "QAT": (7, 16), "ARE": (8, 16),
    "OMN": (8, 15), "IND": (6, 17), "NPL": (5, 18), "BGD": (6, 18), "LKA": (8, 17),
    # East and South-East Asia, Oceania
    "MNG": (2, 18), "CHN": (4, 18), "KOR": (3, 19), "JPN": (3, 20), "HKG": (5, 19), "TWN": (5, 20),
    "MMR": (6, 19), "THA": (7, 18), "VNM": (7, 19), "PHL": (6, 20), "KHM": (8, 19), "MYS": (8, 18),
    "SGP": (9, 18), "IDN": (9, 19), "AUS": (10, 19), "NZL": (11, 21),
    # Africa
    "MAR": (6, 7), "DZA": (6, 8), "TUN": (7, 9), "LBY": (7, 10), "EGY": (7, 11), "SEN": (8, 7),
    "GHA": (9, 8), "NGA": (9, 9), "ETH": (8, 12), "KEN": (9, 12), "CIV": (9, 7), "CMR": (10, 9),
    "TZA": (10, 12), "AGO": (11, 10), "ZAF": (12, 11), "MOZ": (11, 12),
}


def tile(iso3: str) -> tuple[int, int] | None:
    """The (row, col) of a country on the grid, or None when it is not placed."""
    return TILES.get(iso3)
