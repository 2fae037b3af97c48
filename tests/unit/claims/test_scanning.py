"""The malware scanner interface: clamd's INSTREAM framing over a real socket (a listener in the test
speaks clamd's side of the protocol), and the local scanner that knows only the EICAR test file.

The EICAR string is assembled from parts here, so that no file in the repository is the test file."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import pytest

from dwp.claims.evidence_store import EvidenceSettings
from dwp.claims.scanning import (
    EICAR,
    ClamdScanner,
    EicarScanner,
    parse_reply,
    scanner_from,
)
from dwp.platform.errors import DependencyUnavailable
from dwp.platform.settings import Settings

EICAR_FILE = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS" + "-TEST-FILE!$H+H*").encode()
PDF = b"%PDF-1.7\n"


def test_the_eicar_string_is_the_standard_68_bytes() -> None:
    assert EICAR == EICAR_FILE
    assert len(EICAR) == 68


async def test_the_local_scanner_flags_eicar_alone_or_inside_a_file() -> None:
    scanner = EicarScanner()
    assert (await scanner.scan(EICAR_FILE)).verdict == "infected"
    assert (await scanner.scan(PDF + EICAR_FILE + b"\n%%EOF")).verdict == "infected"
    assert (await scanner.scan(PDF + b"1 0 obj\n<<>>\nendobj\n%%EOF")).verdict == "clean"
    assert (await scanner.scan(b"")).verdict == "clean"
    # One character short is not the test file.
    assert (await scanner.scan(EICAR_FILE[:-1])).verdict == "clean"


class FakeClamd:
    """clamd's side of INSTREAM: reads length-prefixed chunks up to the zero-length one, reassembles
    them, and answers as clamd does (FOUND for the EICAR string, OK otherwise)."""

    def __init__(self, reply: bytes | None = None) -> None:
        self.reply = reply
        self.received: list[bytes] = []
        self.chunk_sizes: list[int] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await reader.readuntil(b"\0")
        if command == b"zPING\0":
            writer.write(b"PONG\0")
        else:
            assert command == b"zINSTREAM\0"
            data = bytearray()
            while True:
                (size,) = struct.unpack(">I", await reader.readexactly(4))
                self.chunk_sizes.append(size)
                if size == 0:
                    break
                data += await reader.readexactly(size)
            self.received.append(bytes(data))
            if self.reply is not None:
                writer.write(self.reply)
            elif EICAR_FILE in data:
                writer.write(b"stream: Win.Test.EICAR_HDB-1 FOUND\0")
            else:
                writer.write(b"stream: OK\0")
        await writer.drain()
        writer.close()


@pytest.fixture
async def clamd() -> AsyncIterator[tuple[FakeClamd, int]]:
    fake = FakeClamd()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake, port


async def test_clamd_instream_sends_the_whole_file_in_framed_chunks(clamd: tuple[FakeClamd, int]) -> None:
    fake, port = clamd
    scanner = ClamdScanner("127.0.0.1", port, timeout=5)
    big = PDF + bytes(range(256)) * 1000  # several 64 KiB chunks
    assert (await scanner.scan(big)).verdict == "clean"
    assert fake.received[-1] == big
    assert fake.chunk_sizes[-1] == 0
    assert max(fake.chunk_sizes) == 64 * 1024

    found = await scanner.scan(PDF + EICAR_FILE)
    assert found.verdict == "infected"
    assert found.signature == "Win.Test.EICAR_HDB-1"
    assert await scanner.ping()


async def test_clamd_errors_give_no_verdict(clamd: tuple[FakeClamd, int]) -> None:
    fake, port = clamd
    fake.reply = b"INSTREAM size limit exceeded. ERROR\0"
    with pytest.raises(DependencyUnavailable):
        await ClamdScanner("127.0.0.1", port, timeout=5).scan(PDF)


async def test_clamd_not_running_is_unavailable_not_clean() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens on the port now
    scanner = ClamdScanner("127.0.0.1", port, timeout=2)
    with pytest.raises(DependencyUnavailable) as raised:
        await scanner.scan(PDF)
    assert raised.value.dependency == "clamd"
    assert not await scanner.ping()


def test_replies_are_parsed_as_clamd_writes_them() -> None:
    assert parse_reply(b"stream: OK\0").verdict == "clean"
    assert parse_reply(b"stream: Eicar-Test-Signature FOUND\0").signature == "Eicar-Test-Signature"
    with pytest.raises(DependencyUnavailable):
        parse_reply(b"stream: Can't allocate memory ERROR\0")


def test_the_setting_chooses_the_scanner_and_eicar_is_local_only() -> None:
    local = EvidenceSettings(platform=Settings(dwp_env="test"))
    assert isinstance(scanner_from(local), EicarScanner)
    production = Settings(
        dwp_env="production", database_url="postgresql+asyncpg://x@h/d", dwp_jwt_issuer="https://dwp"
    )
    assert isinstance(scanner_from(EvidenceSettings(platform=production)), ClamdScanner)
    with pytest.raises(ValueError, match="EICAR"):
        EvidenceSettings(malware_scanner="eicar", platform=production)
