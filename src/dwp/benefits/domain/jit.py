"""How the UC kernel runs: compiled by numba (the service and the batch engine), or the very same
Python source interpreted (`dwp calc` for one household).

Compiling costs seconds the first time, and loading numba and the compiled code from its cache costs
two to three seconds on every later start. For one household the interpreter takes milliseconds, so
`dwp calc FILE` interprets: it starts in well under a second and never compiles. The source is one,
so the rules cannot differ between the two; the arithmetic is integer floor division throughout,
which Python (on NumPy int64 scalars) and numba do alike, and a test runs both on the worked examples
and thousands of generated households and compares every output to the penny.

The choice is made when `uc_kernel` is imported: `interpret()` loads it interpreted, as does
DWP_RULES_ENGINE=interpreted in the environment.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

ENGINE_VARIABLE = "DWP_RULES_ENGINE"
INTERPRETED = "interpreted"


def interpret() -> None:
    """Load the kernel interpreted in this process, unless it is loaded already (compiled or not: the
    two agree). The variable is set only while it loads, so nothing this process starts inherits it."""
    if "dwp.benefits.domain.uc_kernel" in sys.modules:
        return
    before = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = INTERPRETED
    try:
        importlib.import_module("dwp.benefits.domain.uc_kernel")
    finally:
        if before is None:
            del os.environ[ENGINE_VARIABLE]
        else:
            os.environ[ENGINE_VARIABLE] = before


def interpreted() -> bool:
    return os.environ.get(ENGINE_VARIABLE) == INTERPRETED


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """numba's `njit` with these options, or, interpreted, the function itself."""
    if interpreted():
        return lambda function: function
    from numba import njit as numba_njit

    return numba_njit(**options)
