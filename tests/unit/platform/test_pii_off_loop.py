"""KMS off the event loop: with KMS slow (here: held until the test lets it answer), sealing and opening a
value from async code wait in a worker thread while the loop goes on serving everything else; once a data
key is cached, sealing and opening make no KMS call at all."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import pytest

from dwp.platform import aws
from dwp.platform.pii import PiiCipher
from dwp.platform.settings import Settings


class HeldKms:
    """A KMS whose every call waits until the test releases it, counting the calls and their threads."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls: list[str] = []
        self.threads: set[int] = set()
        self._wrapped: dict[bytes, bytes] = {}

    def _hold(self, name: str) -> None:
        self.calls.append(name)
        self.threads.add(threading.get_ident())
        self.entered.set()
        assert self.release.wait(30), "the test never released KMS"

    def generate_data_key(self, *, KeyId: str, KeySpec: str) -> dict[str, bytes]:
        self._hold("generate_data_key")
        plaintext, wrapped = os.urandom(32), os.urandom(64)
        self._wrapped[wrapped] = plaintext
        return {"Plaintext": plaintext, "CiphertextBlob": wrapped}

    def decrypt(self, *, CiphertextBlob: bytes) -> dict[str, bytes]:
        self._hold("decrypt")
        return {"Plaintext": self._wrapped[CiphertextBlob]}


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> HeldKms:
    fake = HeldKms()
    monkeypatch.setattr(aws, "client", lambda service, settings: fake if service == "kms" else None)
    return fake


def _cipher(tmp_path: Any) -> PiiCipher:
    return PiiCipher(Settings(dwp_env="test", dwp_data_dir=tmp_path))


async def _loop_keeps_running_while(kms: HeldKms, call: asyncio.Task[str]) -> None:
    """While `call` waits on KMS, other work on the loop runs to completion; then KMS answers."""
    kms.release.clear()
    kms.entered.clear()
    assert await asyncio.to_thread(kms.entered.wait, 30), "KMS was never called"
    ticks = 0
    for _ in range(50):  # the loop is free: each of these turns of it completes
        await asyncio.sleep(0)
        ticks += 1
    other = await asyncio.wait_for(asyncio.create_task(asyncio.sleep(0, result="served")), timeout=5)
    assert (ticks, other, call.done()) == (50, "served", False)
    kms.release.set()
    await asyncio.wait_for(call, timeout=30)


async def test_sealing_with_kms_slow_leaves_the_loop_free(tmp_path: Any, kms: HeldKms) -> None:
    cipher = _cipher(tmp_path)
    sealing = asyncio.create_task(cipher.seal("QQ123456C", context="citizen.nino"))
    await _loop_keeps_running_while(kms, sealing)
    assert kms.calls == ["generate_data_key"]
    assert threading.get_ident() not in kms.threads  # KMS ran in a worker thread, never on the loop's
    # The data key is cached: the next seals and the opens make no KMS call.
    token = await cipher.seal("1990-01-01", context="citizen.dob")
    assert await cipher.open(sealing.result(), context="citizen.nino") == "QQ123456C"
    assert await cipher.open(token, context="citizen.dob") == "1990-01-01"
    assert kms.calls == ["generate_data_key"]


async def test_opening_with_kms_slow_leaves_the_loop_free(tmp_path: Any, kms: HeldKms) -> None:
    kms.release.set()
    token = await _cipher(tmp_path).seal("QQ123456C", context="citizen.nino")
    reader = _cipher(tmp_path)  # another process: the data key is not in its cache
    opening = asyncio.create_task(reader.open(token, context="citizen.nino"))
    await _loop_keeps_running_while(kms, opening)
    assert opening.result() == "QQ123456C"
    assert kms.calls == ["generate_data_key", "decrypt"]
    assert threading.get_ident() not in kms.threads
