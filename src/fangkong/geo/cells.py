"""The 800 m x 800 m cells that grid presence and spatio-temporal companion checks use.

时空伴随 practice (protocols-china.md §1.1) compares where two phones were in an
800 m x 800 m grid. Cells are fixed on the earth so every data source agrees on them: rows
are 800 m bands of latitude from 18°N, columns 800 m bands of longitude from 73°E measured
at the row's central latitude (equirectangular per row; error well under 1% across a city).
A cell id packs the row and the column into one int64: ``row * 10_000_000 + column``.
"""

from __future__ import annotations

import numpy as np

CELL_METRES = 800.0
_LON0 = 73.0
_LAT0 = 18.0
_M_PER_DEG_LAT = 110_574.0  # WGS-84 mean metres per degree of latitude near 30°N
_M_PER_DEG_LON_EQUATOR = 111_320.0
_ROW_FACTOR = 10_000_000


def cell_id(lon: np.ndarray | float, lat: np.ndarray | float) -> np.ndarray:
    """The int64 cell id of each (lon, lat) point."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    row = np.floor((lat - _LAT0) * _M_PER_DEG_LAT / CELL_METRES).astype(np.int64)
    centre_lat = _LAT0 + (row + 0.5) * CELL_METRES / _M_PER_DEG_LAT
    m_per_deg_lon = _M_PER_DEG_LON_EQUATOR * np.cos(np.radians(centre_lat))
    col = np.floor((lon - _LON0) * m_per_deg_lon / CELL_METRES).astype(np.int64)
    return row * _ROW_FACTOR + col


def cell_centre(cell: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of the centre of each cell."""
    cell = np.asarray(cell, dtype=np.int64)
    row, col = np.divmod(cell, _ROW_FACTOR)
    lat = _LAT0 + (row + 0.5) * CELL_METRES / _M_PER_DEG_LAT
    m_per_deg_lon = _M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))
    lon = _LON0 + (col + 0.5) * CELL_METRES / m_per_deg_lon
    return lon, lat
