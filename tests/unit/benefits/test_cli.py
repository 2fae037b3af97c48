"""`dwp calc`: one household as a table, and batch files through the batch engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from dwp.benefits import synthetic
from dwp.benefits.domain import calculate_batch
from dwp.benefits.domain import uc_kernel as k
from dwp.cli import app

runner = CliRunner()
HOUSEHOLD = {
    "assessment_period_start": "2025-06-01",
    "adults": [{"date_of_birth": "1985-01-01", "earnings": {"gross": 150000, "income_tax": 9000}}],
    "children": [{"date_of_birth": "2019-03-01", "sex": "F"}],
    "housing": {"tenure": "social", "monthly_rent": 50000, "bedrooms": 2},
}


def test_calc_prints_the_explanation(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(json.dumps(HOUSEHOLD))
    result = runner.invoke(app, ["calc", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Universal Credit for this assessment period: £643.50" in result.output
    welsh = runner.invoke(app, ["calc", str(path), "--welsh"], env={"COLUMNS": "200"})
    assert "Credyd Cynhwysol ar gyfer y cyfnod asesu hwn: £643.50" in welsh.output


def test_calc_refuses_bad_input_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(json.dumps({**HOUSEHOLD, "capital": -5}))
    result = runner.invoke(app, ["calc", str(path)])
    assert result.exit_code == 2
    assert "capital" in result.output


def test_calc_batch_parquet_matches_the_batch_engine(tmp_path: Path) -> None:
    n = 5000
    columns, year = synthetic.households(n, seed=11)
    lha = synthetic.lha_table()
    table = {"id": np.arange(n)}
    table.update({name: col for name, col in columns.items() if name != "lha_area"})
    table["tax_year"] = np.where(year == 0, "2025-26", "2026-27")
    for j, name in enumerate(("lha_shared", "lha_1", "lha_2", "lha_3", "lha_4")):
        table[name] = lha[columns["lha_area"], j]
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table(table), source)
    result = runner.invoke(app, ["calc", "batch", str(source), str(target)])
    assert result.exit_code == 0, result.output
    out = pq.read_table(target)
    expected = calculate_batch(columns, year, lha)
    assert out.column("id").to_pylist() == list(range(n))
    for j, name in enumerate(k.OUTPUTS):
        assert np.array_equal(out.column(name).to_numpy(), expected[:, j]), name


def test_calc_batch_refuses_an_unknown_tax_year(tmp_path: Path) -> None:
    columns, _ = synthetic.households(10, seed=3)
    table = {name: col for name, col in columns.items() if name != "lha_area"}
    table["tax_year"] = np.array(["2019-20"] * 10)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(table), source)
    result = runner.invoke(app, ["calc", "batch", str(source), str(tmp_path / "out.csv")])
    assert result.exit_code != 0
    assert "2019-20" in result.output


def test_calc_batch_reads_a_file_written_before_the_shared_rate_exemption_column(tmp_path: Path) -> None:
    # `shared_rate_exempt` (issue 13) is optional in a file: absent, no household is excepted.
    n = 2000
    columns, year = synthetic.households(n, seed=12)
    columns["shared_rate_exempt"] = np.zeros(n, dtype=np.int8)
    lha = synthetic.lha_table()
    table = {name: col for name, col in columns.items() if name not in ("lha_area", "shared_rate_exempt")}
    table["tax_year"] = np.where(year == 0, "2025-26", "2026-27")
    for j, name in enumerate(("lha_shared", "lha_1", "lha_2", "lha_3", "lha_4")):
        table[name] = lha[columns["lha_area"], j]
    source, target = tmp_path / "old.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table(table), source)
    result = runner.invoke(app, ["calc", "batch", str(source), str(target)])
    assert result.exit_code == 0, result.output
    expected = calculate_batch(columns, year, lha)
    assert np.array_equal(pq.read_table(target).column("award").to_numpy(), expected[:, k.OUT["award"]])
