"""`dwp up` supervises its processes as ECS does a service's tasks: a process that dies is restarted with
backoff and reported; one that keeps dying is reported with its last lines and left stopped, while the
rest run on. Driven with a stepped clock, so no test waits for a backoff."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from dwp.launcher import GIVE_UP_AFTER, RESTART_BACKOFF_SECONDS, Launcher
from dwp.platform.settings import Settings


def _launcher(tmp_path: Path) -> tuple[Launcher, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    return Launcher(Settings(dwp_env="test", dwp_data_dir=tmp_path), console), out


def _dies(message: str) -> list[str]:
    return [sys.executable, "-c", f"print({message!r}, flush=True); raise SystemExit(3)"]


def _lives() -> list[str]:
    return [sys.executable, "-c", "import time; time.sleep(60)"]


def _settle(launcher: Launcher) -> None:
    """Wait until every short-lived child has exited and its output has been read."""
    for child in launcher.children:
        if child.command[-1].endswith("SystemExit(3)"):
            child.process.wait(timeout=20)
            deadline = time.monotonic() + 20
            while not child.last_lines and time.monotonic() < deadline:
                time.sleep(0.01)  # its output is read on another thread


def test_a_process_that_dies_is_restarted_with_backoff_and_one_that_keeps_dying_is_left_stopped(
    tmp_path: Path,
) -> None:
    launcher, out = _launcher(tmp_path)
    launcher._start("flaky", _dies("the last words of flaky"), 1, {})
    launcher._start("steady", _lives(), 2, {})
    flaky, steady = launcher.children
    now = 1000.0
    with httpx.Client() as client:
        try:
            for attempt in range(GIVE_UP_AFTER + 1):
                _settle(launcher)
                launcher._look_after(flaky, now, client)
                if attempt < GIVE_UP_AFTER:
                    assert flaky.restart_at == now + RESTART_BACKOFF_SECONDS[attempt]
                    launcher._look_after(flaky, now + 0.5, client)
                    assert flaky.restart_at is not None, "restarted before its backoff ran out"
                    now = flaky.restart_at
                    launcher._look_after(flaky, now, client)  # the restart
                    assert flaky.restart_at is None
                launcher._look_after(steady, now, client)
            assert flaky.given_up
            assert steady.process.poll() is None, "the rest must run on"
            text = out.getvalue()
            assert text.count("flaky stopped unexpectedly (exit code 3)") == GIVE_UP_AFTER
            assert text.count("flaky restarted") == GIVE_UP_AFTER
            assert "flaky keeps stopping" in text
            assert "the last words of flaky" in text.split("flaky keeps stopping")[1]
        finally:
            launcher.stop()
    assert steady.process.poll() is not None


def test_restarts_long_ago_do_not_count_against_a_process(tmp_path: Path) -> None:
    launcher, _ = _launcher(tmp_path)
    launcher._start("flaky", _dies("bye"), 1, {})
    (flaky,) = launcher.children
    now = 1000.0
    with httpx.Client() as client:
        try:
            for _ in range(GIVE_UP_AFTER * 2):
                _settle(launcher)
                launcher._look_after(flaky, now, client)
                assert flaky.restart_at is not None
                now = flaky.restart_at + 3600  # an hour between each death
                launcher._look_after(flaky, now, client)
            assert not flaky.given_up
        finally:
            launcher.stop()


def test_the_step_waiting_on_some_services_runs_when_every_service_is_ready_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a quiet machine every service answered ready in the same pass, the loop ended, and the demo
    citizen (the step waiting on citizen and identity) was never registered: no token commands printed."""
    from fastapi import FastAPI

    from dwp.platform import catalog
    from tests.servers import running

    ready = FastAPI()
    ready.add_api_route("/health/ready", lambda: {"status": "ok"})
    launcher, _ = _launcher(tmp_path)
    launcher._start("citizen", _lives(), 1, {})
    launcher._start("identity", _lives(), 2, {})
    ran: list[str] = []
    try:
        with running(ready) as url:
            monkeypatch.setattr(launcher, "url", lambda entry: url)
            launcher._wait_ready(
                [catalog.process("citizen"), catalog.process("identity")],
                then=(frozenset({"citizen", "identity"}), lambda: ran.append("seeded")),
            )
    finally:
        launcher.stop()
    assert ran == ["seeded"]
