"""Checking an evidence upload, by size: the claims service's check (HEAD, ranged GET, whole GET for the
scan, the local EICAR scanner, the accepted copy) against the embedded AWS endpoint, beside the
baseline of one plain GET of the same object in the same run, so the ratio says what the check costs
beyond reading the file once.

Everything runs in this process: moto's server in a thread, the store's boto3 calls over loopback.
Checks go one at a time. The database write is not included (it is the claims service's ordinary
transaction, measured by its own benchmarks).

    .venv/bin/python benchmarks/evidence.py
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
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dwp.claims.domain import evidence as E  # noqa: E402
from dwp.claims.evidence_service import passes_before_scan  # noqa: E402
from dwp.claims.evidence_store import EvidenceSettings, EvidenceStore  # noqa: E402
from dwp.claims.scanning import EicarScanner  # noqa: E402
from dwp.platform import aws  # noqa: E402
from dwp.platform.embedded_aws import EmbeddedAws  # noqa: E402
from dwp.platform.settings import Settings  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
SIZES = (100 * 1024, 1024 * 1024, 10 * 1024 * 1024)


async def one(store: EvidenceStore, size: int) -> tuple[float, float]:
    upload_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    form = store.presigned_post(upload_id, content_type="application/pdf", policy=E.UPLOAD_POLICY, at=now)
    content = b"%PDF-1.7\n" + os.urandom(size - 9)
    async with httpx.AsyncClient() as http:
        posted = await http.post(
            form.url, data=form.fields, files={"file": ("a.pdf", content, "application/pdf")}
        )
    assert posted.status_code == 204, posted.text
    upload = E.Upload(upload_id, "c", "t", form.key, "application/pdf", now, form.expires_at)

    started = time.perf_counter()
    await asyncio.to_thread(lambda: store._s3.get_object(Bucket=store.bucket, Key=form.key)["Body"].read())
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    arrived = await store.inspect(form.key)
    assert arrived is not None
    assert passes_before_scan(upload, arrived.size, arrived.head, E.UPLOAD_POLICY)
    verdict = await EicarScanner().scan(await store.read(arrived))
    judged = E.check_upload(upload, size=arrived.size, head=arrived.head, scan=verdict.verdict, at=now)
    assert judged.state == E.UploadState.ACCEPTED
    await store.accept(arrived, upload_id)
    return time.perf_counter() - started, baseline


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = EmbeddedAws(port=port).start()
        try:
            settings = Settings(dwp_env="test", dwp_data_dir=Path(tmp), aws_endpoint_url=server.url)
            aws.bootstrap(settings)
            store = EvidenceStore(EvidenceSettings(platform=settings))
            print(f"evidence check against the embedded AWS endpoint, {ROUNDS} rounds per size (median)")
            print(f"{'size':>8} {'check ms':>10} {'one GET ms':>11} {'ratio':>6}")
            for size in SIZES:
                await one(store, size)  # warm: moto loads its S3 code, boto3 its connection pool
                results = [await one(store, size) for _ in range(ROUNDS)]
                check = statistics.median(r[0] for r in results) * 1000
                plain = statistics.median(r[1] for r in results) * 1000
                print(f"{size // 1024:>6}Ki {check:>10.1f} {plain:>11.1f} {check / plain:>6.1f}")
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
