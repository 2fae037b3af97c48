"""Every command docs/runbook.md names exists (issue 12: "Docs that are true"): each `dwp` command, with
its subcommands, answers `--help`; each `make` target is in the Makefile; each other tool answers its own
help; the AWS CLI, which the project does not install, is named only where the runbook says AWS-only."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dwp.cli import app

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = (ROOT / "docs" / "runbook.md").read_text()
TOOLS = {"curl", "jq", "ss", "sqlite3", "pg_isready", "psql", "python", "rm"}
"""System tools the runbook may name: Debian's (curl, jq, iproute2, sqlite3, postgresql-client, coreutils)
and the Python it runs on. Anything else it names fails the test until it is added here on purpose."""
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


def commands() -> list[list[str]]:
    """Every code span or fenced line of the runbook that runs something, as words, `X=Y` and `.venv/bin/`
    left off."""
    spans = re.findall(r"```[a-z]*\n(.*?)```", RUNBOOK, re.DOTALL)
    lines = [line for block in spans for line in block.splitlines()]
    lines += re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", RUNBOOK, flags=re.DOTALL))
    found = []
    for line in lines:
        words = line.split()
        while words and _ENV.match(words[0]):
            words = words[1:]
        if not words:
            continue
        words[0] = words[0].removeprefix(".venv/bin/")
        if (words[0] in {"dwp", "make", "aws"} | TOOLS and len(words) > 1) or words[0] in {"dwp", "make"}:
            found.append(words)
    return found


def _dwp(words: list[str]) -> list[str]:
    """The command path: the words before the first option, a placeholder or a `|`."""
    path = []
    for word in words[1:]:
        if word.startswith(("-", "<", "|", "'", '"')) or word in {"...", "(or"}:
            break
        path.append(word)
    return path


DWP = sorted({" ".join(_dwp(c)) for c in commands() if c[0] == "dwp"})
MAKE = sorted({c[1] for c in commands() if c[0] == "make" and len(c) > 1})
OTHER = sorted({c[0] for c in commands() if c[0] not in {"dwp", "make", "aws"}})


def test_the_runbook_names_commands() -> None:
    assert {"up", "bootstrap", "dlq list", "dlq redrive assessment-run", "token citizen"} <= set(DWP), DWP
    assert {"run", "test", "faults"} <= set(MAKE)


@pytest.mark.parametrize("command", DWP)
def test_every_dwp_command_exists(command: str) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, f"dwp {command} --help: {result.output}"
    assert "Usage:" in result.output


@pytest.mark.parametrize("target", MAKE)
def test_every_make_target_exists(target: str) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), f"make {target}: no such target"


@pytest.mark.parametrize("tool", OTHER)
def test_every_other_tool_is_one_the_machine_has(tool: str) -> None:
    assert tool in TOOLS, f"{tool}: not a tool the runbook may assume"
    path = shutil.which(tool) or (shutil.which("python3") if tool == "python" else None)
    assert path, f"{tool} is not installed"
    flag = "-version" if tool == "sqlite3" else "--help"  # sqlite3's -help exits 1
    result = subprocess.run([path, flag], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, (tool, result.stderr[-500:])


def test_the_aws_cli_is_named_only_for_aws() -> None:
    paragraphs = re.split(r"\n(?=- |\n)", RUNBOOK)
    naming = [p for p in paragraphs if re.search(r"`aws ", p)]
    assert naming  # the runbook does name it, for AWS
    for paragraph in naming:
        assert "AWS-only" in paragraph, paragraph
        assert "--endpoint-url" not in paragraph, (
            "locally, use dwp's own commands (the project has no AWS CLI)"
        )
