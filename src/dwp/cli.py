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
from dwp.platform.errors import describe_failure
from dwp.platform.settings import get_settings

app = typer.Typer(help="DWP benefits platform", no_args_is_help=True, add_completion=False)
app.add_typer(calc_app, name="calc")


def migration_package(entry: catalog.Process) -> str | None:
    """The service package whose Alembic migrations a catalogue entry runs, if it has any."""
    if not (entry.app and entry.db_schema):
        return None
    package = entry.app.split(":")[0].rsplit(".", 1)[0]
    has_migrations = (resources.files(package) / "migrations" / "env.py").is_file()
    return package.rsplit(".", 1)[1] if has_migrations else None


def services_with_migrations() -> list[str]:
    return [name for entry in catalog.PROCESSES if (name := migration_package(entry))]


def upgrade_or_exit(name: str) -> None:
    from dwp.platform.migrations import upgrade

    try:
        upgrade(name)
    except Exception as exc:  # say what failed in one line; the traceback helps nobody starting up
        typer.echo(f"cannot migrate {name}: {describe_failure(exc)}", err=True)
        raise typer.Exit(1) from exc


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
    for name in service or services_with_migrations():
        upgrade_or_exit(name)
        typer.echo(f"migrated {name}")


@app.command()
def serve(
    name: str,
    host: str = "127.0.0.1",
    port: int | None = None,
    migrate: Annotated[
        bool, typer.Option(help="Migrate its tables first (as `dwp up` does; on AWS a deploy step does).")
    ] = False,
) -> None:
    """Run one process of the catalogue (what a container runs)."""
    import uvicorn

    entry = catalog.process(name)
    if not entry.app:
        typer.echo(f"{name} has no app to serve yet", err=True)
        raise typer.Exit(2)
    package = migration_package(entry)
    if migrate and package:
        upgrade_or_exit(package)
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
    """Create the queues, then the topics, then their subscriptions, then the tables, bucket, keys and
    secrets on the AWS endpoint, and last the completion marker the outbox relays wait for (idempotent)."""
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
    """Mint a token signed with the trusted issuer's key (the identity service's, once it runs)."""
    from dwp.launcher import trusted_settings
    from dwp.seed import mint

    if kind not in ("citizen", "caseworker", "service"):
        raise typer.BadParameter("kind must be citizen, caseworker or service")
    if role and kind != "caseworker":
        # Roles count only on caseworker tokens; minting one elsewhere would only mislead.
        raise typer.BadParameter(f"--role is for caseworker tokens, not {kind} tokens", param_hint="--role")
    settings = trusted_settings(get_settings())
    if kind == "citizen":
        citizen_id = citizen_id or str(uuid.uuid4())
    roles = role or (["caseworker"] if kind == "caseworker" else [])
    typer.echo(
        mint(
            settings,
            subject=subject or citizen_id or f"{kind}-{uuid.uuid4().hex[:8]}",
            kind=kind,
            roles=roles,
            citizen_id=citizen_id,
            level_of_confidence="P2" if kind == "citizen" else None,
            lifetime_seconds=minutes * 60,
        )
    )


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Rotate the identity service's signing key: new tokens use the new key, old ones verify until expiry."""
    from dwp.identity.local import rotate
    from dwp.launcher import trusted_settings

    typer.echo(f"signing with new key {rotate(trusted_settings(get_settings()))}")


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
