"""The citizen web app's weight and speed: JavaScript and CSS (gzipped) per page, from the build's own
report, and time to first contentful paint and to interactive (the main form accepts input) of the
start page, the first estimate question and the first question of a Universal Credit claim (signed in
through the One Login simulator), in headless Chromium against a running web app (`dwp up`).

    .venv/bin/python benchmarks/frontend.py [BASE_URL]   # default http://127.0.0.1:8000 (`make run`)

Target (issue 16): at most 150 KB of JavaScript gzipped per citizen page (the build fails above it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "web"


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    budget = json.loads((WEB / "dist" / "budget.json").read_text())
    print("JavaScript and CSS each page downloads (gzipped):")
    for route, sizes in budget.items():
        js, css = sizes["js_gzip_bytes"] / 1024, sizes["css_gzip_bytes"] / 1024
        print(f"  {route}: JS {js:.1f} KB, CSS {css:.1f} KB")
    node = shutil.which("node")
    if node is None:
        raise SystemExit("Node.js is needed")
    result = subprocess.run(
        [node, "scripts/perf.mjs"], cwd=WEB, env={**os.environ, "BASE_URL": base},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    print("Headless Chromium, cold context, median of runs:")
    for page, t in timings.items():
        fcp, interactive = t["fcp_ms_median"], t["interactive_ms_median"]
        print(f"  {page}: first contentful paint {fcp} ms, interactive {interactive} ms")


if __name__ == "__main__":
    main()
