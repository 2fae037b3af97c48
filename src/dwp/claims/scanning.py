"""Malware scanning of uploaded evidence, behind one interface.

`ClamdScanner` speaks clamd's INSTREAM protocol (clamd(8), "INSTREAM"): the command
`zINSTREAM\\0`, then the data as chunks each prefixed by its length as a 4-byte unsigned big-endian
integer, then a zero-length chunk; clamd answers `stream: OK\\0` or `stream: <signature> FOUND\\0` (or
`... ERROR\\0`). It is a few lines over a socket, so it is written here rather than taken from a client
library (the maintained ones are synchronous or unmaintained; this one runs on the event loop).

`EicarScanner` finds exactly one thing, the EICAR anti-malware test file, so that local runs (`dwp
up`) and tests can see the whole path of an infected upload without signatures (ClamAV has none
offline). It is refused outside local and test environments (`EvidenceSettings`).

Which one runs is a setting (`DWP_MALWARE_SCANNER`).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass
from typing import Protocol

from dwp.claims.domain.evidence import ScanVerdict
from dwp.claims.evidence_store import EvidenceSettings
from dwp.platform.errors import DependencyUnavailable

CHUNK = 64 * 1024
"""Bytes per INSTREAM chunk (clamd's StreamMaxLength, 25 MB by default, bounds the whole stream)."""

# The EICAR test file's 68 characters, assembled from parts so that this source file is not itself
# the test file's string for a scanner reading the repository (eicar.org, "Anti-Malware Testfile").
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-" + "ANTIVIRUS-TEST-" + "FILE!$H+H*").encode(
    "ascii"
)


@dataclass(frozen=True)
class ScanResult:
    verdict: ScanVerdict
    signature: str | None = None
    """The name the scanner gave what it found."""


class MalwareScanner(Protocol):
    """Scans an object's bytes; raises `DependencyUnavailable` when it cannot give a verdict (the
    upload then stays awaiting its check, never accepted unscanned)."""

    name: str

    async def scan(self, data: bytes) -> ScanResult: ...


class EicarScanner:
    """Flags the EICAR test string wherever it appears in the data (as clamd's body signature for it
    does), so it can be embedded in an otherwise valid PDF or PNG that passes the type checks."""

    name = "eicar"

    async def scan(self, data: bytes) -> ScanResult:
        if EICAR in data:
            return ScanResult("infected", "Eicar-Test-Signature")
        return ScanResult("clean")


class ClamdScanner:
    """clamd over TCP, with INSTREAM."""

    name = "clamav"

    def __init__(self, host: str, port: int, *, timeout: float = 30.0) -> None:
        self._host, self._port, self._timeout = host, port, timeout

    async def scan(self, data: bytes) -> ScanResult:
        try:
            async with asyncio.timeout(self._timeout):
                reply = await self._instream(data)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
            raise DependencyUnavailable(
                "the malware scanner cannot be reached", dependency="clamd", retry_after=10
            ) from error
        return parse_reply(reply)

    async def _instream(self, data: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        try:
            writer.write(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                writer.write(struct.pack(">I", len(chunk)) + chunk)
                await writer.drain()
            writer.write(struct.pack(">I", 0))
            await writer.drain()
            return await reader.readuntil(b"\0")
        finally:
            writer.close()
            # A peer that has already gone makes the close fail; the reply (or error) is what counts.
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def ping(self) -> bool:
        """Whether clamd answers `PONG` (for readiness)."""
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await asyncio.open_connection(self._host, self._port)
                writer.write(b"zPING\0")
                await writer.drain()
                reply = await reader.readuntil(b"\0")
                writer.close()
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            return False
        return reply.rstrip(b"\0") == b"PONG"


def parse_reply(reply: bytes) -> ScanResult:
    """clamd's answer to one INSTREAM: `stream: OK`, `stream: <name> FOUND`, or an error."""
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    _, _, verdict = text.partition(": ")
    if verdict == "OK":
        return ScanResult("clean")
    if verdict.endswith(" FOUND"):
        return ScanResult("infected", verdict.removesuffix(" FOUND"))
    # "INSTREAM size limit exceeded. ERROR" and the like: no verdict, so nothing is accepted.
    raise DependencyUnavailable(f"the malware scanner gave no verdict: {text[:200]}", dependency="clamd")


def scanner_from(settings: EvidenceSettings) -> MalwareScanner:
    if settings.scanner == "eicar":
        return EicarScanner()
    return ClamdScanner(settings.clamd_host, settings.clamd_port, timeout=settings.clamd_timeout_seconds)
