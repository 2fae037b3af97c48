"""UC for columns of households at once: the same compiled kernel as the single path, in parallel.

Columns are NumPy arrays named as `uc_kernel.INPUTS` (any integer width; the batch generator and file
readers use the narrow dtypes listed there to halve memory traffic). `year` picks each household's row
of the rates table and `lha_area` its row of the LHA table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dwp.benefits.domain import jit
from dwp.benefits.domain import uc_kernel as k
from dwp.benefits.domain.errors import InvalidCircumstances
from dwp.benefits.domain.rates import rates_table


def in_range(col: np.ndarray, lowest: int, highest: int) -> bool:
    """Whether every value of a non-empty integer column is from `lowest` to `highest`. For a range from
    0 (all but one input), one pass over the column: read as unsigned integers of the same width, a
    negative value is 2**(bits-1) or more, above any `highest` the signed width can hold, so the largest
    unsigned value alone says whether the column is in range (NumPy's min and max are two passes, a
    tenth of a batch run at 8 million households)."""
    if lowest == 0 and col.dtype.kind in "iu":
        if col.dtype.kind == "i" and highest < 2 ** (8 * col.dtype.itemsize - 1):
            col = col.view(f"u{col.dtype.itemsize}")
            return int(col.max()) <= highest
        if col.dtype.kind == "u":
            return int(col.max()) <= highest
    return int(col.min()) >= lowest and int(col.max()) <= highest


def check_columns(columns: Mapping[str, np.ndarray]) -> int:
    """The number of households, after checking every column is present, the same length and in range."""
    lengths = set()
    for name, _dtype, lowest, highest in k.INPUTS:
        if name not in columns:
            raise InvalidCircumstances(name, "column is missing")
        col = columns[name]
        lengths.add(len(col))
        if len(col) and not in_range(col, lowest, highest):
            raise InvalidCircumstances(name, f"values must be {lowest} to {highest}")
    if len(lengths) > 1:
        raise InvalidCircumstances("columns", "all columns must have the same length")
    return lengths.pop() if lengths else 0


def calculate_batch(
    columns: Mapping[str, np.ndarray],
    year: np.ndarray,
    lha_table: np.ndarray,
    table: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """UC for every household: an (n x len(OUTPUTS)) int32 array (or `out`, filled in place). The
    kernel is `jit.kernel()`'s: compiled, or its source interpreted while the service compiles it."""
    n = check_columns(columns)
    if table is None:
        table = rates_table()[1]
    if len(year) != n or (n and (int(year.min()) < 0 or int(year.max()) >= len(table))):
        raise InvalidCircumstances("year", "each household needs a year index into the rates table")
    if n and int(columns["lha_area"].max()) >= len(lha_table):
        raise InvalidCircumstances("lha_area", "an area index is outside the LHA table")
    if out is None:
        out = np.empty((n, k.N_OUT), dtype=np.int32)
    cols = [np.ascontiguousarray(columns[name]) for name, *_ in k.INPUTS]
    jit.kernel().uc_batch(*cols, np.ascontiguousarray(year), np.ascontiguousarray(lha_table), table, out)
    return out


_CARRIED_OUT = np.array([k.OUT[name] for name in k.CARRIED], dtype=np.int64)
_CARRIED_DTYPES = tuple(next(d for nm, d, *_ in k.INPUTS if nm == name) for name in k.CARRIED)


def carried_columns(out: np.ndarray) -> dict[str, np.ndarray]:
    """The next period's carried-state columns (`uc_kernel.CARRIED`, in their `INPUTS` dtypes) from a
    period's outputs. The rows are read once: taking each column on its own (`out[:, j]`) read every
    row's cache line once a column, six passes over an output that is 1 GB at 8 million rows."""
    state = np.empty((len(_CARRIED_OUT), len(out)), dtype=out.dtype)
    k.gather_columns(np.ascontiguousarray(out), _CARRIED_OUT, state)
    return {
        name: state[m].astype(dtype)
        for m, (name, dtype) in enumerate(zip(k.CARRIED, _CARRIED_DTYPES, strict=True))
    }


def calculate_batch_periods(
    periods: Sequence[Mapping[str, np.ndarray]],
    years: Sequence[np.ndarray],
    lha_table: np.ndarray,
    table: np.ndarray | None = None,
) -> list[np.ndarray]:
    """A run of assessment periods for every household: period n's carried state (`uc_kernel.CARRIED`)
    is period n-1's outputs of the same names; the first period's comes in with its columns (the
    monthly run's shard: households and their carried state in, awards and carried state out)."""
    results: list[np.ndarray] = []
    for n, columns in enumerate(periods):
        cols = dict(columns)
        if results:
            cols.update(carried_columns(results[-1]))
        results.append(calculate_batch(cols, years[n], lha_table, table))
    return results
