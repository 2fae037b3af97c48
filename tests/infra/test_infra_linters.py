"""cfn-lint and checkov on the synthesised templates: no errors, and every skipped check has a reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dwp_infra.lint_exceptions import CFN_LINT_ACCEPTED_WARNINGS, checkov_reason

pytestmark = pytest.mark.xdist_group("infra")

CHECKOV = "checkov==3.2.495"  # pinned; it runs in its own environment (it pins old boto3 and packaging)


def test_cfn_lint_finds_no_errors_and_only_accepted_warnings(synth):
    result = subprocess.run(
        [sys.executable, "-m", "cfnlint", "--format", "json", *map(str, synth.template_files())],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    findings = json.loads(result.stdout or "[]")
    errors = [f for f in findings if f["Level"] == "Error"]
    assert errors == []
    unexpected = [f for f in findings if f["Rule"]["Id"] not in CFN_LINT_ACCEPTED_WARNINGS]
    assert [(f["Rule"]["Id"], f["Message"]) for f in unexpected] == []


def _uvx() -> str | None:
    # `make install` puts uv (and uvx) in the virtual environment; PATH need not name it.
    beside = [Path(sys.executable).parent / "uvx", Path.home() / ".local/bin/uvx"]
    return shutil.which("uvx") or next((str(p) for p in beside if p.exists()), None)


@pytest.fixture(scope="module")
def checkov_report(synth) -> list[dict]:
    uvx = _uvx()
    if uvx is None:
        pytest.fail(
            "uvx (from uv) is needed to run checkov in its own environment: `make install` installs uv"
        )
    result = subprocess.run(
        [uvx, "--from", CHECKOV, "checkov", "--directory", str(synth.outdir), "--framework", "cloudformation",
         "--skip-download", "--output", "json", "--compact"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip
    assert result.stdout, result.stderr[-2000:]
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def test_checkov_finds_nothing_without_a_written_reason(checkov_report):
    unexplained = [
        (failed["check_id"], failed["file_path"], failed["resource"])
        for report in checkov_report
        for failed in report["results"]["failed_checks"]
        if checkov_reason(failed["check_id"], failed["resource"]) is None
    ]
    assert unexplained == []


def test_checkov_skips_in_templates_carry_reasons(checkov_report):
    skipped = [s for report in checkov_report for s in report["results"]["skipped_checks"]]
    assert skipped  # the template metadata is read
    short = [
        (s["check_id"], s["resource"])
        for s in skipped
        if len(s["check_result"].get("suppress_comment", "")) < 40
    ]
    assert short == []


def test_checkov_passes_the_bulk_of_its_checks(checkov_report):
    summary = checkov_report[0]["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 800
