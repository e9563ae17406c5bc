"""Ray Data batches as rows and back.

Ray Data hands a stage a batch as columns (`batch_format="numpy"`: one NumPy array per
column), while the stages work one chunk, that is one row, at a time. These helpers are the
only place that converts between the two; the column types themselves are fixed in
`drivexplain.pipeline.payloads`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa


def batch_rows(batch: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    """The rows of a column batch, each a dict of its column values."""
    keys = list(batch)
    size = len(batch[keys[0]]) if keys else 0
    return [{k: batch[k][i] for k in keys} for i in range(size)]


def rows_block(rows: list[dict[str, Any]], types: Mapping[str, pa.DataType]) -> pa.Table:
    """A block from rows that all have the same keys.

    A column named in `types` gets that Arrow type; any other column is a tensor column,
    one NumPy array per row (shapes may differ between rows).
    """
    from ray.data.extensions import ArrowTensorArray

    names = list(rows[0]) if rows else list(types)
    columns: dict[str, pa.Array] = {}
    for name in names:
        values = [row[name] for row in rows]
        if name in types:
            columns[name] = pa.array(values, type=types[name])
        else:
            columns[name] = ArrowTensorArray.from_numpy(values, column_name=name)
    return pa.table(columns)


def plain(value: Any) -> Any:
    """A struct or list value of a NumPy batch as plain Python.

    NumPy batches give Arrow lists as arrays (object arrays when nested) and struct fields
    as NumPy scalars; records are rebuilt from lists, dicts, ints, floats and strings.
    """
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value] if value.dtype == object else value.tolist()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
