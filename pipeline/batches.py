"""Ray Data batches as rows and back.

Ray Data hands a stage a batch as columns (`batch_format="numpy"`: one NumPy array per
column), while the stages work one chunk, that is one row, at a time. These helpers are the
only place that converts between the two.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def batch_rows(batch: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The rows of a column batch, each a dict of its column values."""
    keys = list(batch)
    size = len(batch[keys[0]]) if keys else 0
    return [{k: batch[k][i] for k in keys} for i in range(size)]


def rows_batch(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """A column batch from rows that all have the same keys."""
    keys = list(rows[0]) if rows else []
    out: dict[str, np.ndarray] = {}
    for key in keys:
        column = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):
            column[i] = row[key]
        out[key] = column
    return out


def text(value: Any) -> str:
    """A string column's value, whether Arrow handed it over as str or as bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)
