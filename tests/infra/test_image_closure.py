"""Each image holds what its processes import, and not the test tools or a rules engine they never load.

The Dockerfile keeps the closure of `dwp[<the process's extras>]` that docker/prune.py computes. Here every
catalogue process with an app (and the commands the containers run) is started as far as importing it in
a fresh interpreter; every module it loaded from site-packages must belong to a distribution of that
closure, and the closure must not hold moto, flask or numba where they are not needed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dwp.platform import catalog
from dwp_infra.services import AUTHORIZER_EXTRAS, AUTHORIZER_HANDLER
from tests.infra.infra_support import REPO_ROOT

pytestmark = pytest.mark.xdist_group("infra")

# What the embedded endpoint and the test tools bring; no image may hold any of them.
NEVER_IN_AN_IMAGE = {"moto", "flask", "werkzeug", "responses", "docker", "cfn-lint", "sympy", "pytest"}
RULES_ENGINE = {"numba", "llvmlite", "numpy"}

# Run first in the fresh interpreter: it stands in for the pruned image by refusing to import any
# top-level module that only distributions outside the image provide (so an optional import, such as
# rich's of attrs, falls back as it would there), and prints the files of the modules loaded by exit.
_AS_IN_THE_IMAGE = """
import atexit, json, os, sys
class _NotInTheImage:
    blocked = frozenset(json.loads(os.environ["BLOCKED_MODULES"]))
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not in this image)", name=name)
        return None
sys.meta_path.insert(0, _NotInTheImage())
def _report():
    files = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
    print("\\nMODULES " + json.dumps(sorted({f for f in files if f})))
atexit.register(_report)
"""


@cache
def prune() -> ModuleType:
    spec = importlib.util.spec_from_file_location("prune", REPO_ROOT / "docker" / "prune.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def closure(extras: tuple[str, ...]) -> set[str]:
    return set(prune().runtime_closure(extras=extras))


@cache
def owners() -> dict[Path, str]:
    """Every installed file, by the distribution that installed it."""
    found: dict[Path, str] = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        for file in dist.files or ():
            found[Path(str(dist.locate_file(file))).resolve()] = name
    return found


def blocked_modules(image: set[str]) -> list[str]:
    """Top-level modules that only distributions outside the image provide."""
    provided_by = metadata.packages_distributions()
    return sorted(
        module for module, dists in provided_by.items() if not {canonicalize_name(d) for d in dists} & image
    )


def distributions_loaded(code: str, tmp_path: Path, image: set[str]) -> set[str]:
    """The distributions whose modules a fresh interpreter, seeing only `image`'s distributions, has
    loaded after running `code` (which must succeed)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DWP_DATA_DIR": str(tmp_path / "data"),
        "BLOCKED_MODULES": json.dumps(blocked_modules(image)),
        # A venv made by `python3 -m venv` (as `make` makes .venv) is seeded with setuptools, whose
        # distutils-precedence.pth loads its shim into every interpreter; the images' venvs are made by
        # `uv venv` and hold no setuptools. Turn the shim off so the interpreter starts as the image's does.
        "SETUPTOOLS_USE_DISTUTILS": "stdlib",
    }
    result = subprocess.run(
        [sys.executable, "-c", _AS_IN_THE_IMAGE + code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    files = json.loads(result.stdout.rsplit("MODULES ", 1)[1])
    site = {Path(p).resolve() for p in sys.path if p.endswith("site-packages")}
    loaded: set[str] = set()
    unowned: list[str] = []
    for file in files:
        path = Path(file).resolve()
        if not any(path.is_relative_to(s) for s in site):
            continue  # the standard library, or dwp's own source (an editable install)
        if path in owners():
            loaded.add(owners()[path])
        else:
            unowned.append(file)
    assert not unowned, f"modules no installed distribution owns: {unowned[:5]}"
    return loaded


def _direct_requirements(extra: str) -> set[str]:
    return {
        canonicalize_name(r.name)
        for line in metadata.requires("dwp") or []
        if (r := Requirement(line)).marker is not None
        and r.marker.evaluate({"extra": extra})
        and canonicalize_name(r.name) != "dwp"
    }


SERVED = [p for p in catalog.PROCESSES if p.app]


@pytest.mark.parametrize("process", SERVED, ids=lambda p: p.name)
def test_each_served_process_imports_only_what_its_image_holds(process, tmp_path):
    module, _, factory = process.app.partition(":")
    # What `dwp serve NAME` loads before it listens: the CLI, uvicorn and the app its factory builds.
    code = f"import dwp.cli, uvicorn, importlib; importlib.import_module({module!r}).{factory}()"
    image = closure(process.extras)
    loaded = distributions_loaded(code, tmp_path, image)
    assert loaded <= image, f"{process.name} imports {sorted(loaded - image)}, outside its image"
    assert not image & NEVER_IN_AN_IMAGE
    if "rules" not in process.extras:
        assert not image & RULES_ENGINE, f"{process.name}'s image holds the rules engine it never loads"
    if "rules" in process.extras:  # named because the process imports it at start (it warms the kernel)
        unused = _direct_requirements("rules") - loaded
        assert not unused, f"{process.name} names the rules extra but never imports {sorted(unused)}"


HANDLERS = [(f.name, f.handler, f.extras) for f in catalog.FUNCTIONS] + [
    ("authorizer", AUTHORIZER_HANDLER, AUTHORIZER_EXTRAS)
]


@pytest.mark.parametrize(
    ("name", "handler", "extras"), HANDLERS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_lambda_handler_imports_only_what_its_image_holds(name, handler, extras, tmp_path):
    module, function = handler.rsplit(".", 1)
    code = f"import importlib; getattr(importlib.import_module({module!r}), {function!r})"
    image = closure(extras)
    loaded = distributions_loaded(code, tmp_path, image)
    assert loaded <= image, f"{name} imports {sorted(loaded - image)}, outside its image"
    assert not image & NEVER_IN_AN_IMAGE


def test_the_benefits_image_holds_the_compiled_rules_engine():
    benefits = catalog.process("benefits")
    assert "rules" in benefits.extras
    assert closure(benefits.extras) >= RULES_ENGINE
    assert not closure(benefits.extras) & NEVER_IN_AN_IMAGE


def test_the_base_image_runs_the_init_containers_commands(tmp_path):
    # docker-compose's init container (base image): the signing key, then every service's migrations.
    code = (
        "import sys\nfrom dwp.cli import main\nimport dwp.platform.aws\n"
        "sys.argv = ['dwp', 'jwks']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "sys.argv = ['dwp', 'migrate']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
    )
    loaded = distributions_loaded(code, tmp_path, closure(()))
    assert loaded <= closure(()), f"outside the base image: {sorted(loaded - closure(()))}"
    assert (tmp_path / "data").is_dir()  # the commands ran, not only imported


def test_every_image_variant_is_built_and_the_prune_list_drops_the_rest():
    variants = catalog.image_variants()
    assert () in variants
    assert ("rules",) in variants
    for extras in variants:
        result = subprocess.run(
            [sys.executable, str(REPO_ROOT / "docker/prune.py"), ",".join(extras)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        dropped = set(result.stdout.split())
        assert dropped >= NEVER_IN_AN_IMAGE
        assert not closure(extras) & dropped
        if not extras:
            assert RULES_ENGINE | {"pyarrow"} <= dropped
