"""The `dwp` command: `dwp up` runs the whole platform locally; the rest are the pieces it is made of."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from dwp.benefits.cli import app as calc_app
from dwp.platform import catalog
from dwp.platform.settings import get_settings

app = typer.Typer(help="DWP benefits platform", no_args_is_help=True, add_completion=False)
app.add_typer(calc_app, name="calc")


def services_with_migrations() -> list[str]:
    names = []
    for entry in catalog.PROCESSES:
        if entry.app and entry.db_schema:
            package = entry.app.split(":")[0].rsplit(".", 1)[0]
            if (resources.files(package) / "migrations" / "env.py").is_file():
                names.append(package.rsplit(".", 1)[1])
    return names


@app.command()
def up(
    seed: Annotated[bool, typer.Option(help="Register a demo citizen once everything is ready.")] = True,
) -> None:
    """Start the embedded AWS endpoint and every service, wait until all are ready, stream their logs."""
    from dwp.launcher import Launcher

    raise typer.Exit(Launcher(get_settings()).run(seed=seed))


@app.command()
def migrate(
    service: Annotated[list[str] | None, typer.Argument(help="Services; all when none given.")] = None,
) -> None:
    """Bring every service's tables up to date (SQLite files, or PostgreSQL schemas with DATABASE_URL)."""
    from dwp.platform.migrations import upgrade

    for name in service or services_with_migrations():
        try:
            upgrade(name)
        except Exception as exc:  # say what failed in one line; the traceback helps nobody starting up
            typer.echo(f"cannot migrate {name}: {describe_failure(exc)}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"migrated {name}")


def describe_failure(exc: BaseException) -> str:
    """The innermost cause of a failure, in one line (a refused connection, a missing file...)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return f"{type(exc).__name__}: {exc}"


@app.command()
def serve(name: str, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Run one process of the catalogue (what a container runs)."""
    import uvicorn

    entry = catalog.process(name)
    if not entry.app:
        typer.echo(f"{name} has no app to serve yet", err=True)
        raise typer.Exit(2)
    uvicorn.run(entry.app, host=host, port=port or entry.port, log_level="warning", access_log=False)


@app.command("aws-endpoint")
def aws_endpoint(port: int = catalog.AWS_ENDPOINT_PORT) -> None:
    """Run the embedded AWS endpoint (moto server) in the foreground."""
    import logging
    import signal
    import threading

    from dwp.platform.embedded_aws import EmbeddedAws

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the services' logs
    settings = get_settings()
    server = EmbeddedAws(port=port, keys_dir=settings.keys_dir, region=settings.aws_region).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    typer.echo(f"embedded AWS endpoint on {server.url}")
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    server.stop()


@app.command()
def bootstrap() -> None:
    """Create the topics, queues, tables, bucket, keys and secrets on the AWS endpoint (idempotent)."""
    from dwp.platform.aws import bootstrap as run_bootstrap

    typer.echo(json.dumps(run_bootstrap(get_settings()), indent=2))


@app.command()
def token(
    kind: Annotated[str, typer.Argument(help="citizen, caseworker or service")],
    citizen_id: Annotated[
        str | None, typer.Option(help="For a citizen token; a new id when not given.")
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option(help="Caseworker roles (caseworker, team-leader).")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="The token's subject.")] = None,
    minutes: int = 60,
) -> None:
    """Mint a token with the local development signing key (until the identity service issues them)."""
    from dwp.platform.auth import load_or_create_dev_key, mint_token

    settings = get_settings()
    if kind not in ("citizen", "caseworker", "service"):
        raise typer.BadParameter("kind must be citizen, caseworker or service")
    if kind == "citizen":
        citizen_id = citizen_id or str(uuid.uuid4())
    roles = role or (["caseworker"] if kind == "caseworker" else [])
    typer.echo(
        mint_token(
            load_or_create_dev_key(settings),
            issuer=settings.dwp_jwt_issuer,
            subject=subject or citizen_id or f"{kind}-{uuid.uuid4().hex[:8]}",
            kind=kind,  # type: ignore[arg-type]
            roles=roles,
            citizen_id=citizen_id,
            level_of_confidence="P2" if kind == "citizen" else None,
            lifetime_seconds=minutes * 60,
        )
    )


@app.command()
def jwks() -> None:
    """Print the local development issuer's public keys."""
    from dwp.platform.auth import load_or_create_dev_key, public_key_set

    typer.echo(json.dumps(public_key_set([load_or_create_dev_key(get_settings())]), indent=2))


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.path.insert(0, str(Path.cwd()))
    app()


if __name__ == "__main__":
    main()
