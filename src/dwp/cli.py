"""The `dwp` command: `dwp up` runs the whole platform locally; the rest are the pieces it is made of.

Start-up is kept short: this module imports only typer and the catalogue, and each command imports what
it uses, so `dwp token` or `dwp --help` do not pay for FastAPI, SQLAlchemy, boto3 or numba. Every failure
ends in one line that says what to do (`main`); DWP_TRACEBACK=1 shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dwp.benefits.cli import app as calc_app
from dwp.platform import catalog

if TYPE_CHECKING:
    from dwp.platform.settings import Settings

app = typer.Typer(help="DWP benefits platform", no_args_is_help=True, add_completion=False)
app.add_typer(calc_app, name="calc")

# The extra that provides a module a command may need, for the one line that says what to install.
EXTRA_OF_MODULE = {
    "numba": "rules",
    "numpy": "rules",
    "llvmlite": "rules",
    "pyarrow": "batch",
    "moto": "local",
    "flask": "local",
    "werkzeug": "local",
}
EMBEDDED_ENDPOINT_HINT = (
    "start the embedded AWS endpoint (`dwp aws-endpoint`, or `dwp up` which runs everything) and set "
    f"AWS_ENDPOINT_URL=http://127.0.0.1:{catalog.AWS_ENDPOINT_PORT}"
)


def get_settings() -> Settings:
    from dwp.platform.settings import get_settings as read_settings

    return read_settings()


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
    from dwp.platform.errors import describe_failure
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
        bool,
        typer.Option(
            help="Migrate its tables first (as `dwp up` does; on AWS each deployment runs `dwp migrate` "
            "as a task of the new image before the service's new tasks start)."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="uvicorn worker processes (1: the container's one process; more, on one machine, for a "
            "service whose CPU is the bottleneck, as benchmarks/monthly_run.py --benefits-workers runs it)",
        ),
    ] = 1,
) -> None:
    """Run one process of the catalogue (what a container runs)."""
    entry = catalog.process(name)
    if not entry.app:
        typer.echo(f"{name} has no app to serve yet", err=True)
        raise typer.Exit(2)
    package = migration_package(entry)
    if migrate and package:
        upgrade_or_exit(package)
    run_server(entry.app, name, host=host, port=port or entry.port, workers=workers)


def run_server(app_path: str, service: str, *, host: str, port: int, workers: int = 1) -> None:
    """uvicorn with the platform's logging: one JSON object per line, uvicorn's own lines included.
    `app_path` names the app's factory (`module:build_app`), which uvicorn calls (`--factory`).

    `log_config=None` stops uvicorn installing its plain-text handlers (its tracebacks and start-up
    lines would be many plain lines beside the JSON ones); its loggers then go through ours, which are
    configured before the app is imported so that an import or start-up failure is JSON too.
    """
    import uvicorn

    from dwp.platform import app_factory
    from dwp.platform.logging import configure_logging

    settings = get_settings()
    configure_logging(service, settings.dwp_log_level)
    os.environ[app_factory.FREEZE_HEAP_ENV] = "1"  # the process's one app (`app_factory.freeze_heap`)
    uvicorn.run(
        app_path,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        workers=workers,
        **forwarding_options(settings),
    )


def forwarding_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For only from the configured proxies. Its own default trusts any
    caller on loopback, which let one client pose as a new address on every request."""
    trusted = settings.trusted_proxies
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}


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
    # moto imports a service's backend on its first request, SSM's (which brings EC2's) taking seconds:
    # import them now, while `dwp up` starts its services, rather than one by one during the bootstrap.
    threading.Thread(target=_import_backends, daemon=True).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    typer.echo(f"embedded AWS endpoint on {server.url}")
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    server.stop()


def _import_backends() -> None:
    import importlib

    for service in ("sqs", "sns", "dynamodb", "kms", "s3", "secretsmanager", "ssm"):
        with contextlib.suppress(ImportError):
            importlib.import_module(f"moto.{service}.responses")


@app.command()
def bootstrap() -> None:
    """Create the queues, then the topics, then their subscriptions, then the tables, bucket, keys and
    secrets on the AWS endpoint, and last the completion marker the outbox relays wait for (idempotent)."""
    from dwp.platform.aws import bootstrap as run_bootstrap

    settings = get_settings()
    if not settings.aws_endpoint_url:  # on AWS, infra/ creates these; never make them in an account by hand
        typer.echo(f"dwp bootstrap: AWS_ENDPOINT_URL is not set: {EMBEDDED_ENDPOINT_HINT}", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(run_bootstrap(settings), indent=2))


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
    level: Annotated[
        str,
        typer.Option(help="A citizen token's level of confidence: P0 (signed in, not proven) to P2."),
    ] = "P2",
    minutes: Annotated[int, typer.Option(help="How long it lives: 1 to 15 minutes.")] = 15,
) -> None:
    """Mint a token signed with the trusted issuer's key (the identity service's, once it runs)."""
    from dwp.platform.signing import MAX_TOKEN_SECONDS
    from dwp.seed import mint
    from dwp.trust import trusted_settings

    if not 0 < minutes * 60 <= MAX_TOKEN_SECONDS:
        typer.echo(
            f"dwp token: --minutes must be 1 to {MAX_TOKEN_SECONDS // 60}; no token lives longer", err=True
        )
        raise typer.Exit(2)
    if kind not in ("citizen", "caseworker", "service"):
        raise typer.BadParameter("kind must be citizen, caseworker or service")
    if role and kind != "caseworker":
        # Roles count only on caseworker tokens; minting one elsewhere would only mislead.
        raise typer.BadParameter(f"--role is for caseworker tokens, not {kind} tokens", param_hint="--role")
    if level not in ("P0", "P1", "P2") or (level != "P2" and kind != "citizen"):
        raise typer.BadParameter("--level is P0, P1 or P2, and only for citizen tokens", param_hint="--level")
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
            level_of_confidence=level if kind == "citizen" else None,
            lifetime_seconds=minutes * 60,
        )
    )


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Rotate the identity service's signing key: published now, it signs once every verifier can have
    seen it; tokens of the old key verify until they expire."""
    from dwp.identity.cli import rotate
    from dwp.trust import trusted_settings

    typer.echo(rotate(trusted_settings(get_settings())))


@app.command()
def jwks() -> None:
    """Print the local development issuer's public keys."""
    from dwp.platform.signing import load_or_create_dev_key, public_key_set

    typer.echo(json.dumps(public_key_set([load_or_create_dev_key(get_settings())]), indent=2))


dlq_app = typer.Typer(help="Dead-letter queues: what is waiting, and putting it back.", no_args_is_help=True)
run_app = typer.Typer(help="Run a batch job by hand.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(run_app, name="run")


def _aws_settings(command: str) -> Settings:
    settings = get_settings()
    if not settings.aws_endpoint_url and settings.is_local:
        typer.echo(f"dwp {command}: AWS_ENDPOINT_URL is not set: {EMBEDDED_ENDPOINT_HINT}", err=True)
        raise typer.Exit(2)
    return settings


@dlq_app.command("list")
def dlq_list() -> None:
    """How many messages wait in each queue's dead-letter queue."""
    from dwp.workers.dlq import list_dead_letters

    for entry in list_dead_letters(_aws_settings("dlq list")):
        typer.echo(f"{entry.dlq:<34} {entry.waiting:>8}   (redrive: dwp dlq redrive {entry.queue})")


@dlq_app.command("redrive")
def dlq_redrive(
    queue: Annotated[str, typer.Argument(help="The queue, e.g. dwp-assessment-run or notifications")],
    limit: Annotated[int | None, typer.Option(min=1, help="Move at most this many")] = None,
) -> None:
    """Move a dead-letter queue's messages back to its queue, to be handled again."""
    from dwp.workers.dlq import queue_named, redrive

    try:
        name = queue_named(queue).name
    except KeyError as exc:
        typer.echo(f"dwp dlq redrive: {exc.args[0]}", err=True)
        raise typer.Exit(2) from exc
    moved = redrive(_aws_settings("dlq redrive"), name, limit=limit)
    typer.echo(f"moved {moved} message(s) from {name}-dlq back to {name}")


@run_app.command("monthly")
def run_monthly(
    day: Annotated[str, typer.Option("--date", help="The day assessment periods end on: YYYY-MM-DD")],
    shards: Annotated[int, typer.Option(min=1, max=4096, help="Shards to split the day into")] = 16,
    parallel: Annotated[int, typer.Option(min=1, max=64, help="Shards worked on at once here")] = 2,
    queue: Annotated[
        bool, typer.Option("--queue", help="Send the start message for the workers instead of running here")
    ] = False,
) -> None:
    """Reassess every UC award whose assessment period ends on a day (idempotent: a day twice changes
    nothing and notifies nobody twice), with a progress bar."""
    from datetime import date

    try:
        when = date.fromisoformat(day)
    except ValueError as exc:
        typer.echo(f"dwp run monthly: --date must be YYYY-MM-DD, not {day!r}", err=True)
        raise typer.Exit(2) from exc
    settings = _aws_settings("run monthly")
    if queue:
        from dwp.platform import aws

        sqs = aws.client("sqs", settings)
        body = json.dumps({"kind": "start", "date": when.isoformat(), "shards": shards})
        sqs.send_message(
            QueueUrl=aws.queue_url(settings, catalog.ASSESSMENT_RUN_QUEUE.name), MessageBody=body
        )
        typer.echo(
            f"queued the monthly run for {when} in {shards} shards on {catalog.ASSESSMENT_RUN_QUEUE.name}"
        )
        return
    failed = _run_monthly_here(settings, when, shards, parallel)
    if failed:
        typer.echo(f"shards that failed (run the day again to redo them): {failed}", err=True)
        raise typer.Exit(1)


def _day(command: str, day: str | None) -> Any:
    from datetime import date

    if day is None:
        return None
    try:
        return date.fromisoformat(day)
    except ValueError as exc:
        typer.echo(f"dwp run {command}: --date must be YYYY-MM-DD, not {day!r}", err=True)
        raise typer.Exit(2) from exc


@run_app.command("payments")
def run_payments_command(
    day: Annotated[
        str | None, typer.Option("--date", help="Send every payment due on or before this day: YYYY-MM-DD")
    ] = None,
) -> None:
    """A payment run through the payments service (what the working-day schedule does; default: today
    plus the lead time). Idempotent: a payment is sent once however often its day is run."""
    import asyncio
    from datetime import timedelta

    from dwp.workers.scheduled import LEAD_DAYS, run_payments, uk_today

    through = _day("payments", day) or uk_today() + timedelta(days=LEAD_DAYS)
    report = asyncio.run(run_payments(get_settings(), through=through))
    typer.echo(f"payment run through {through}: " + ", ".join(f"{k} {v}" for k, v in report.items()))
    if report.get("system_unavailable"):
        typer.echo("the payment system did not answer: the instructions wait, pending", err=True)
        raise typer.Exit(1)


@run_app.command("retention")
def run_retention_command(
    service: Annotated[
        list[str] | None, typer.Option("--service", help="citizen, claims or payments (default: all three)")
    ] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="Delete what had passed its time on this day (not later)")
    ] = None,
) -> None:
    """Each service deletes what has passed its retention (docs/data-lifecycle.md); prints the counts."""
    import asyncio

    from dwp.workers.scheduled import RETENTION_SERVICES, run_retention

    chosen = tuple(service or RETENTION_SERVICES)
    unknown = [s for s in chosen if s not in RETENTION_SERVICES]
    if unknown:
        typer.echo(f"dwp run retention: no retention run in {unknown}: {RETENTION_SERVICES}", err=True)
        raise typer.Exit(2)
    reports = asyncio.run(run_retention(get_settings(), services=chosen, as_of=_day("retention", day)))
    for name, report in reports.items():
        for rule in report["rules"]:
            typer.echo(f"{name:<9} {rule['name']:<38} cut-off {rule['cutoff']}  deleted {rule['deleted']}")


def _run_monthly_here(settings: Settings, when: Any, shards: int, parallel: int) -> list[int]:
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dwp.platform.app_factory import freeze_heap
    from dwp.workers.monthly import HttpUpstreams, MonthlyRun, SqsQueues, run_here

    freeze_heap()  # the run's pages make many objects; the process's start-up ones need no scanning
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        shard_bar = progress.add_task(f"monthly run {when}: shards", total=shards)
        awards_bar = progress.add_task("awards", total=None)

        async def go() -> tuple[Any, list[int]]:
            run = MonthlyRun(HttpUpstreams.build(settings), SqsQueues(settings))
            return await run_here(
                run,
                when,
                shards,
                parallel=parallel,
                on_awards=lambda n: progress.advance(awards_bar, n),
                on_shard=lambda i, report: progress.advance(shard_bar),
            )

        total, failed = asyncio.run(go())
    typer.echo(
        f"{total.awards} awards due: {total.calculated} reassessed and stored, {total.already_stored} "
        f"already stored, {total.sent_to_payments} sent to payments as new terms "
        f"({total.unchanged_at_payments} unchanged), {total.queued} statements queued to notify, "
        f"{len(failed)} shard(s) failed"
    )
    return failed


def default_numba_cache() -> None:
    """numba caches the compiled rules beside their source by default, which fails wherever that is
    read-only (an installed package, a container's root): keep the cache in the data folder instead.
    Containers set NUMBA_CACHE_DIR themselves (the Dockerfile)."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        data_dir = Path(os.environ.get("DWP_DATA_DIR") or ".dwp")
        os.environ["NUMBA_CACHE_DIR"] = str((data_dir / "numba-cache").resolve())


def what_to_do(exc: BaseException) -> str:
    """One line for a failure: what went wrong and, where it is known, what to do about it."""
    from dwp.platform.errors import describe_failure

    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    names = {cls.__name__ for failure in chain for cls in type(failure).__mro__}
    for failure in chain:
        if isinstance(failure, ModuleNotFoundError) and failure.name:
            extra = EXTRA_OF_MODULE.get(failure.name.partition(".")[0])
            if extra:
                return (
                    f"this command needs {failure.name}, from the `{extra}` extra, which this installation "
                    f"lacks: `make install` installs every extra (or: pip install 'dwp[{extra}]')"
                )
    if names & {"NoCredentialsError", "PartialCredentialsError", "NoRegionError"}:
        return f"no AWS endpoint or credentials ({describe_failure(exc)}): {EMBEDDED_ENDPOINT_HINT}"
    if "EndpointConnectionError" in names:
        return f"the AWS endpoint does not answer ({describe_failure(exc)}): {EMBEDDED_ENDPOINT_HINT}"
    for failure in chain:
        errors = getattr(failure, "errors", None)
        if type(failure).__name__ == "ValidationError" and callable(errors) and errors():
            first = errors()[0]  # pydantic's: the setting (an environment variable) and what is wrong
            setting = "_".join(str(part) for part in first.get("loc", ())).upper() or "a setting"
            return f"{setting} is invalid: {first.get('msg')} (the README's Settings table lists each)"
    if names & {"ConnectionRefusedError", "ConnectionError", "OperationalError"}:
        return (
            f"{describe_failure(exc)}: is the server running? (check DATABASE_URL, REDIS_URL, "
            "AWS_ENDPOINT_URL, or start the platform with `dwp up`)"
        )
    return f"{describe_failure(exc)} (DWP_TRACEBACK=1 shows the traceback)"


def main() -> None:
    """The `dwp` console script (and `python -m dwp.cli`)."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    default_numba_cache()
    try:
        app()
    except Exception as exc:
        if os.environ.get("DWP_TRACEBACK"):
            raise
        command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), "")
        typer.echo(" ".join(f"dwp {command}: {what_to_do(exc)}".split()), err=True)  # one line
        sys.exit(1)


if __name__ == "__main__":
    main()
