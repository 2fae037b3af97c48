"""Prints the installed distributions that the platform does not need at run time, one a line.

The lock is universal (it includes the dev and infra extras: tests, CDK, linters). The Dockerfile installs
it as locked, hash-checked, then removes what this prints: everything outside the closure of the `dwp`
distribution's own requirements (with the extras those requirements ask for, e.g. `uvicorn[standard]`),
and of the extras the images run (`RUNTIME_EXTRAS`: the `workers` process and Lambda functions import
Powertools and Notify's client).
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


RUNTIME_EXTRAS = frozenset({"workers"})


def runtime_closure(root: str = "dwp") -> set[str]:
    needed: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(root, RUNTIME_EXTRAS)]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        needed.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is not None and not any(marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return needed


def unneeded() -> list[str]:
    needed = runtime_closure()
    installed = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    return sorted(installed - needed - {"pip", "setuptools"})


if __name__ == "__main__":
    sys.stdout.write("".join(f"{name}\n" for name in unneeded()))
