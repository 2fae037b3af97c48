"""The SPA's own tests (Vitest and Testing Library, in web/), run as part of `make test`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[3] / "web"


def test_the_web_apps_component_tests_pass() -> None:
    npx = shutil.which("npx")
    assert npx, "Node.js is needed for the web app's tests"
    assert (WEB / "node_modules" / "vitest").is_dir(), "run `make web` first (npm ci from the lock)"
    result = subprocess.run(
        [npx, "vitest", "run", "--reporter=dot"],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
