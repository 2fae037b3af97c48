"""`dwp calc`: one household from a JSON file, explained as a table; `dwp calc batch IN OUT` for files of
households (Parquet or CSV) through the batch engine, with a progress bar.

The JSON file takes the body of `POST /v1/estimates` (or just its `universal_credit` part). A batch file
has one column per kernel input (`dwp.benefits.domain.uc_kernel.INPUTS`), a `tax_year` column
(`2025-26`) and optionally the household's LHA rates (`lha_shared`, `lha_1` ... `lha_4`) and an `id`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

# NumPy, numba, pyarrow, rich and the rules load inside the commands: `dwp` mounts this app, and every
# other `dwp` command should not pay for them at start-up.
if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    from rich.console import Console
    from rich.table import Table

LHA_COLUMNS = ("lha_shared", "lha_1", "lha_2", "lha_3", "lha_4")
# Rows per call; each row's LHA rates are a row of the chunk's LHA table, indexed by an int16 area.
CHUNK = 32_000


class _HouseholdByDefault(TyperGroup):
    """`dwp calc FILE.json` runs the `household` command; named subcommands (`batch`) still work."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer vendors its own click
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["household", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_HouseholdByDefault, no_args_is_help=True, help="Work out benefits from files.")


def _pounds(pence: int) -> str:
    from dwp.benefits.domain import pounds

    return pounds(pence)


def _say_if_compiling(console: Console) -> None:
    from dwp.benefits.compiled import COMPILING, must_compile

    if must_compile(batch=True):
        console.print(f"[dim]{COMPILING}[/dim]")


def _explanation_table(title: str, lines: list[dict[str, Any]], language: str) -> Table:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    table.add_column("Item" if language == "en" else "Eitem")
    table.add_column("Amount" if language == "en" else "Swm", justify="right")
    table.add_column("Rule" if language == "en" else "Rheol", style="dim")
    for line in lines:
        amount = line["amount_pence"]
        shown = "" if amount is None else _pounds(-amount if line["kind"] == "deduction" else amount)
        style = "bold" if line["kind"] == "result" else None
        table.add_row(line["text"][language], shown, line["regulation"], style=style)
    return table


@app.command("household")
def household(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON circumstances")],
    welsh: Annotated[bool, typer.Option("--welsh", help="Show the explanation in Welsh")] = False,
) -> None:
    """Work out UC (and New Style JSA and ESA if asked for) for one household and explain it."""
    from dwp.benefits.domain.jit import interpret

    interpret()  # one household: milliseconds interpreted, seconds to load numba (dwp.benefits.domain.jit)
    from pydantic import ValidationError
    from rich.console import Console

    from dwp.benefits.domain import BenefitsError
    from dwp.benefits.estimates import estimate
    from dwp.benefits.schemas import EstimateRequest

    console = Console()  # per call, so the terminal width is read when the command runs
    data = json.loads(file.read_text(encoding="utf-8"))
    if not any(key in data for key in ("universal_credit", "new_style_jsa", "new_style_esa")):
        data = {"universal_credit": data}
    try:
        body = EstimateRequest.model_validate(data)
        result = estimate(
            uc=body.universal_credit.to_domain() if body.universal_credit else None,
            jsa=body.new_style_jsa.to_kwargs() if body.new_style_jsa else None,
            esa=body.new_style_esa.to_kwargs() if body.new_style_esa else None,
            tax_year=body.tax_year,
        )
    except ValidationError as exc:
        for err in exc.errors():
            console.print(f"[red]{'.'.join(str(p) for p in err['loc'])}: {err['msg']}")
        raise typer.Exit(2) from exc
    except BenefitsError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from exc
    language = "cy" if welsh else "en"
    titles = {
        "universal_credit": ("Universal Credit", "Credyd Cynhwysol"),
        "new_style_jsa": ("New Style JSA (weekly)", "JSA Dull Newydd (yr wythnos)"),
        "new_style_esa": ("New Style ESA (weekly)", "ESA Dull Newydd (yr wythnos)"),
    }
    for key, (en, cy) in titles.items():
        if key in result:
            title = f"{en if language == 'en' else cy} {result[key]['tax_year']}"
            console.print(_explanation_table(title, result[key]["explanation"], language))


def _read(path: Path) -> pa.Table:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if path.suffix.lower() in (".parquet", ".pq"):
        return pq.read_table(path)
    if path.suffix.lower() == ".csv":
        return pa_csv.read_csv(path)
    raise typer.BadParameter("use a .parquet or .csv file", param_hint="IN")


def _columns(table: pa.Table, start: int, stop: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    import numpy as np

    from dwp.benefits.domain import all_rates
    from dwp.benefits.domain import uc_kernel as k
    from dwp.benefits.domain.rates import rates_table

    part = table.slice(start, stop - start)
    names = set(part.column_names)
    absent = {"lha_area"} | (k.OPTIONAL_INPUTS - names)
    missing = [name for name, *_ in k.INPUTS if name not in names and name not in absent]
    if missing or "tax_year" not in names:
        raise typer.BadParameter(f"missing columns: {', '.join(missing or ['tax_year'])}", param_hint="IN")
    n = part.num_rows
    cols = {
        name: part.column(name).to_numpy().astype(dtype, copy=False)
        if name not in absent
        else np.zeros(n, dtype=dtype)
        for name, dtype, *_ in k.INPUTS
        if name != "lha_area"
    }
    # Each row carries its own LHA rates, so its area is its own row of the LHA table.
    cols["lha_area"] = np.arange(n, dtype=np.int16)
    lha = np.zeros((n, 5), dtype=np.int64)
    for j, name in enumerate(LHA_COLUMNS):
        if name in names:
            lha[:, j] = part.column(name).to_numpy()
    years, _ = rates_table()
    index = {year: i for i, year in enumerate(years)}
    tax_year = part.column("tax_year").to_pylist()
    unknown = {y for y in tax_year if y not in index}
    if unknown:
        raise typer.BadParameter(f"unknown tax years {sorted(map(str, unknown))}; known {list(all_rates())}")
    year = np.array([index[y] for y in tax_year], dtype=np.int8)
    return cols, year, lha


@app.command("batch")
def batch(
    source: Annotated[Path, typer.Argument(exists=True, dir_okay=False, metavar="IN")],
    target: Annotated[Path, typer.Argument(dir_okay=False, metavar="OUT")],
) -> None:
    """Work out UC for every household in IN and write the itemised amounts to OUT (Parquet or CSV)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    from rich.console import Console
    from rich.progress import Progress

    from dwp.benefits.domain import BenefitsError, calculate_batch
    from dwp.benefits.domain import uc_kernel as k
    from dwp.benefits.domain.rates import rates_table

    console = Console()
    _say_if_compiling(console)
    table = _read(source)
    _, rates = rates_table()
    n = table.num_rows
    outputs = np.empty((n, k.N_OUT), dtype=np.int32)
    with Progress(console=console) as progress:
        task = progress.add_task("Universal Credit", total=n)
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            cols, year, lha = _columns(table, start, stop)
            try:
                calculate_batch(cols, year, lha, rates, outputs[start:stop])
            except BenefitsError as exc:
                raise typer.BadParameter(f"rows {start}-{stop - 1}: {exc}", param_hint="IN") from exc
            progress.update(task, advance=stop - start)
    columns: dict[str, Any] = {}
    if "id" in table.column_names:
        columns["id"] = table.column("id")
    for j, name in enumerate(k.OUTPUTS):
        columns[name] = outputs[:, j]
    result = pa.table(columns)
    if target.suffix.lower() == ".csv":
        pa_csv.write_csv(result, target)
    else:
        pq.write_table(result, target)
    console.print(f"{n:,} households written to {target}")
