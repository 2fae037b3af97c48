"""How the UC kernel runs: compiled by numba (the service and the batch engine), or the very same
Python source interpreted (`dwp calc` for one household, and the service while it compiles).

Compiling costs seconds the first time, and loading numba and the compiled code from its cache costs
two to three seconds on every later start. For one household the interpreter takes milliseconds, so
`dwp calc FILE` interprets: it starts in well under a second and never compiles. The source is one,
so the rules cannot differ between the two; the arithmetic is integer floor division throughout,
which Python (on NumPy int64 scalars) and numba do alike, and a test runs both on the worked examples
and thousands of generated households and compares every output to the penny.

The choice is made when `uc_kernel` is imported: `interpret()` loads it interpreted, as does
DWP_RULES_ENGINE=interpreted in the environment.

A process may also hold both: `serve_interpreted()` loads a second copy of the module interpreted and
`kernel()` answers it until `serve_compiled()`, so the benefits service answers at once on a first start
while numba compiles (`dwp.benefits.compiled.RulesEngine`) and switches when the compiled kernel is
loaded. Callers of the kernel's functions take them from `kernel()`; its constants (`INPUTS`, `OUT`...)
are the same in both copies.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

ENGINE_VARIABLE = "DWP_RULES_ENGINE"
INTERPRETED = "interpreted"
KERNEL_MODULE = "dwp.benefits.domain.uc_kernel"

_copy_lock = threading.Lock()
_loading_copy = False
_interpreted_copy: ModuleType | None = None
_serving: ModuleType | None = None
"""The interpreted copy while `serve_interpreted()` holds, else None: the module itself."""
_thread = threading.local()


def interpret() -> None:
    """Load the kernel interpreted in this process, unless it is loaded already (compiled or not: the
    two agree). The variable is set only while it loads, so nothing this process starts inherits it."""
    if KERNEL_MODULE in sys.modules:
        return
    before = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = INTERPRETED
    try:
        importlib.import_module(KERNEL_MODULE)
    finally:
        if before is None:
            del os.environ[ENGINE_VARIABLE]
        else:
            os.environ[ENGINE_VARIABLE] = before


def interpreted() -> bool:
    return _loading_copy or os.environ.get(ENGINE_VARIABLE) == INTERPRETED


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """numba's `njit` with these options, or, interpreted, the function itself."""
    if interpreted():
        return lambda function: function
    from numba import njit as numba_njit

    return numba_njit(**options)


def interpreted_copy() -> ModuleType:
    """A second copy of the kernel module, loaded interpreted (once a process), beside the module itself.
    Nothing of numba is imported for it, and the environment is left alone (a process this one starts
    meanwhile inherits nothing)."""
    global _interpreted_copy, _loading_copy
    with _copy_lock:
        if _interpreted_copy is None:
            module = sys.modules.get(KERNEL_MODULE) or importlib.import_module(KERNEL_MODULE)
            spec = importlib.util.spec_from_file_location(f"{KERNEL_MODULE}_interpreted", module.__file__)
            assert spec is not None
            assert spec.loader is not None
            copy = importlib.util.module_from_spec(spec)
            _loading_copy = True
            try:
                spec.loader.exec_module(copy)
            finally:
                _loading_copy = False
            _interpreted_copy = copy
        return _interpreted_copy


def serve_interpreted() -> None:
    """From now on `kernel()` is the interpreted copy (the answers are the same, the compiled kernel's
    start-up cost is not paid), until `serve_compiled()`."""
    global _serving
    _serving = interpreted_copy()


def serve_compiled() -> None:
    """From now on `kernel()` is the module itself (compiled, unless the process interprets it)."""
    global _serving
    _serving = None


def serving_interpreted() -> bool:
    """Whether `kernel()` is the interpreted copy."""
    return _serving is not None


@contextmanager
def compiled_in_this_thread() -> Iterator[None]:
    """Within the block, `kernel()` is the module itself in this thread whatever the others are served:
    the thread that loads the compiled kernel runs it on the service's own paths before the switch."""
    before = getattr(_thread, "compiled", False)
    _thread.compiled = True
    try:
        yield
    finally:
        _thread.compiled = before


def kernel() -> ModuleType:
    """The kernel module whose functions to call: the interpreted copy while `serve_interpreted()`
    holds, else `uc_kernel` itself."""
    # Read once: the loading thread's `serve_compiled()` may set it to None between a test and a use,
    # which answered None to a request once (CI: an estimate's 500 the moment the kernel loaded).
    serving = _serving
    if serving is not None and not getattr(_thread, "compiled", False):
        return serving
    return sys.modules.get(KERNEL_MODULE) or importlib.import_module(KERNEL_MODULE)
