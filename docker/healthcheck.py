"""Container health check: `healthcheck.py live|ready` asks the process this container runs.

The port comes from the service catalogue (or PORT), so the image needs no per-service configuration.
Standard library only: it must work even when the application's imports are broken.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main(kind: str) -> int:
    port = os.environ.get("PORT")
    if port is None:
        from dwp.platform.catalog import process

        port = str(process(os.environ["DWP_SERVICE"]).port)
    url = f"http://127.0.0.1:{port}/health/{kind}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "live"))
