"""Prints the installed distributions that an image does not need at run time, one a line.

    prune.py            the base runtime (every process whose catalogue entry names no extras)
    prune.py rules      the base runtime and the `rules` extra (the benefits service, the monthly run)
    prune.py rules,batch   several extras (commas or separate arguments)

The lock is universal (it includes every extra: the rules engine, moto for `dwp up`, tests, CDK). The
Dockerfile installs it as locked, hash-checked, then removes what this prints: everything outside the
closure of the `dwp` distribution's own requirements and the extras named (with the extras those
requirements ask for, e.g. `uvicorn[standard]`). Which extras a process needs is `Process.extras` in
the service catalogue; tests/infra/test_image_closure.py checks that each image's closure holds what its
processes import and nothing they do not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ALWAYS_KEPT = frozenset({"pip", "setuptools"})


def runtime_closure(root: str = "dwp", extras: Iterable[str] = ()) -> set[str]:
    """The distributions `root[extras]` needs, itself included, as installed here."""
    needed: set[str] = set()
    pending: list[tuple[str, frozenset[str]]] = [(canonicalize_name(root), frozenset(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, wanted = pending.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        needed.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            sys.exit(f"prune.py: {name} is needed here but not installed: re-make the lock (make lock)")
        for line in requires:
            requirement = Requirement(line)
            marker = requirement.marker
            # A requirement without a marker, or one whose marker holds for no extra (the platform's
            # `python_version` and `sys_platform` checks), or for one of the extras asked for.
            if marker is not None and not any(marker.evaluate({"extra": e}) for e in (wanted or {""})):
                continue
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return needed


def unneeded(extras: Iterable[str] = ()) -> list[str]:
    needed = runtime_closure(extras=extras)
    installed = {canonicalize_name(d.metadata["Name"]) for d in metadata.distributions()}
    return sorted(installed - needed - ALWAYS_KEPT)


if __name__ == "__main__":
    asked = [extra for arg in sys.argv[1:] for extra in arg.split(",") if extra]
    sys.stdout.write("".join(f"{name}\n" for name in unneeded(asked)))
