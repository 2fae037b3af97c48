"""A subject access export of a person with ten claims (issue 17's figure), beside the baseline of one
caseworker's read of one claim (`GET /v1/claims/casework/claims/{id}`, audited) in the same run.

The citizen, claims and payments apps run in this process on SQLite (or PostgreSQL when DATABASE_URL
is set), the claims service calling the other two through `platform.http` clients over their ASGI
transports; the evidence bucket is the embedded AWS endpoint's, in a thread. The person has a record,
bank details, an award, and ten submitted UC claims, each with a message, an audited read and one
accepted evidence file of `BENCH_EVIDENCE_KIB` (200 KiB by default). Exports go one at a time.

    .venv/bin/python benchmarks/subject_access.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.integration import test_subject_access as sar  # noqa: E402
from tests.integration.conftest import bearer  # noqa: E402

from dwp.platform.auth import load_or_create_dev_key, mint_token  # noqa: E402
from dwp.platform.aws import bootstrap  # noqa: E402
from dwp.platform.embedded_aws import EmbeddedAws  # noqa: E402
from dwp.platform.migrations import upgrade  # noqa: E402
from dwp.platform.settings import Settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
CLAIMS = 10
EVIDENCE_KIB = int(os.environ.get("BENCH_EVIDENCE_KIB", "200"))


def tokens_for(settings: Settings) -> Callable[..., str]:
    key = load_or_create_dev_key(settings)

    def mint(kind: str = "citizen", *, citizen_id: str | None = None, roles: Any = None, **kw: Any) -> str:
        if kind == "citizen":
            citizen_id = citizen_id or str(uuid.uuid4())
            kw.setdefault("level_of_confidence", "P2")
        return mint_token(
            key,
            issuer=settings.dwp_jwt_issuer,
            subject=kw.pop("subject", None) or citizen_id or f"{kind}-1",
            kind=kind,  # type: ignore[arg-type]
            citizen_id=citizen_id,
            roles=roles or [],
            **kw,
        )

    return mint


async def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def main() -> None:
    from dwp.citizen.app import build_app as citizen_app
    from dwp.claims.app import build_app as claims_app
    from dwp.payments.app import build_app as payments_app

    sar.PDF = b"%PDF-1.7\n" + os.urandom(EVIDENCE_KIB * 1024 - 9)
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = EmbeddedAws(port=port).start()
        try:
            settings = Settings(dwp_env="test", dwp_data_dir=Path(tmp), aws_endpoint_url=server.url)
            for attempt in range(3):  # a loaded machine's embedded endpoint may time out creating resources
                try:
                    await asyncio.to_thread(bootstrap, settings)
                    break
                except Exception:
                    if attempt == 2:
                        raise
            apps = {}
            for name, build in (("citizen", citizen_app), ("claims", claims_app), ("payments", payments_app)):
                await asyncio.to_thread(upgrade, name, settings)
                apps[name] = build(settings)
            apps["claims"].state.subject_access_parts = sar.parts_over(
                settings, apps["citizen"], apps["payments"]
            )
            async with (
                apps["citizen"].router.lifespan_context(apps["citizen"]),
                apps["claims"].router.lifespan_context(apps["claims"]),
                apps["payments"].router.lifespan_context(apps["payments"]),
            ):
                clients = {name: sar._client(app) for name, app in apps.items()}
                platform = sar.Platform(apps, clients, settings)
                tokens = tokens_for(settings)
                person, _ = await sar.register(platform, tokens, "Ada")
                claim_ids = await sar.add_claims(platform, person, CLAIMS, text="bench")
                leader = sar.leader(tokens)
                caseworker = tokens("caseworker", roles=["caseworker"], subject="staff-bench")

                async def read_one() -> None:
                    answer = await clients["claims"].get(
                        f"/v1/claims/casework/claims/{claim_ids[0]}",
                        params={"purpose": "benchmark"},
                        headers=bearer(caseworker),
                    )
                    assert answer.status_code == 200, answer.text

                size = 0

                async def export() -> None:
                    nonlocal size
                    answer = await sar.export(platform, leader, person)
                    assert answer.status_code == 200, answer.text
                    size = len(answer.content)

                await read_one()
                await export()  # warm: imports, the bucket's connection pool, data keys
                reads = [await timed(read_one) for _ in range(ROUNDS)]
                exports = [await timed(export) for _ in range(ROUNDS)]
                read_ms = statistics.median(reads) * 1000
                export_ms = statistics.median(exports) * 1000
                load = os.getloadavg()[0]
                database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
                print(
                    f"subject access export, {CLAIMS} claims with one {EVIDENCE_KIB} KiB evidence file each, "
                    f"{database}, {ROUNDS} rounds (median), load average {load:.1f}"
                )
                print(f"{'':32} {'ms':>9}")
                print(f"{'one claim read (caseworker)':32} {read_ms:>9.1f}")
                print(f"{'export of ten claims':32} {export_ms:>9.1f}   ratio {export_ms / read_ms:.1f}")
                print(f"archive: {size / 1024:.0f} KiB")
                for client in clients.values():
                    await client.aclose()
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
