"""`dwp up`: the whole platform on one machine, each service its own process, as on ECS.

Starts the embedded AWS endpoint, creates what the platform needs on it, starts each catalogue process
with an app (each service migrating its own tables first), waits for every `/health/ready`, prints
where everything is, streams logs with a prefix per process, restarts a process that dies (with backoff,
as ECS replaces a task), and stops everything on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import IO, Protocol

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dwp.platform import catalog
from dwp.platform.embedded_aws import port_is_free, wait_for_port
from dwp.platform.errors import describe_failure
from dwp.platform.settings import Settings
from dwp.trust import TRUST_FILE, trusted_settings

READY_TIMEOUT_SECONDS = 240
"""Long enough for a first start on a busy machine (migrations, keys; the benefits service no longer waits
for its rules kernel to compile: it answers with the interpreted source meanwhile, dwp.benefits.compiled)."""
SEED_NEEDS = frozenset({"citizen", "identity"})
"""What registering the demo citizen calls (`dwp.seed`): the citizen service, with identity's signing key."""
COLOURS = ["cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta"]


def trust_env(settings: Settings) -> dict[str, str]:
    """Once the identity service runs, every service trusts its JWKS rather than the development key."""
    identity = catalog.process("identity")
    if not identity.app or settings.dwp_jwks_url:
        return {}
    url = f"http://127.0.0.1:{identity.port + settings.dwp_port_offset}"
    return {"DWP_JWKS_URL": f"{url}/.well-known/jwks.json", "DWP_JWT_ISSUER": url}


BFF_SOURCE_ADDRESS = "127.0.0.2"
"""Where the web app's calls to the gateway come from locally: an address of its own (Linux routes all of
127.0.0.0/8 to loopback), so the gateway believes X-Forwarded-For from the web app and from no other
local caller (a forged header from 127.0.0.1 still counts against 127.0.0.1)."""


def proxy_env(name: str, env: dict[str, str]) -> dict[str, str]:
    """The gateway trusts the web app as the proxy in front of it (as on AWS it trusts the load balancer),
    so its per-address rate limits see each person's address rather than the web app's one."""
    if not sys.platform.startswith("linux") or "DWP_TRUSTED_PROXIES" in env:
        return {}
    if name == "frontend":
        return {"DWP_FRONTEND_SOURCE_ADDRESS": BFF_SOURCE_ADDRESS}
    if name == "gateway":
        return {"DWP_TRUSTED_PROXIES": f"{BFF_SOURCE_ADDRESS}/32"}
    return {}


def _die_with_parent() -> None:
    """Ask Linux to stop this child if `dwp up` itself dies (even by SIGKILL), so no service is orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _release_fork_server() -> None:
    """In a process forked from the fork server: close its copy of the fork server's "alive" pipe.

    The fork server exits when the write end of that pipe closes, which is meant to be when `dwp up` dies.
    But multiprocessing hands every process it forks a copy of that write end (for a child that starts
    processes of its own through the same server, which no service does), so while any service lived the
    pipe never closed, the fork server never exited, and the services' parent-death signal never came:
    `dwp up` killed with SIGKILL left all of them running (seen: four sets of 18 after test runs). The
    attribute is the standard library's own (`multiprocessing.forkserver`, 3.11 to 3.13)."""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    alive = getattr(server, "_forkserver_alive_fd", None)
    if alive is not None:
        with contextlib.suppress(OSError):
            os.close(alive)
        setattr(server, "_forkserver_alive_fd", None)  # noqa: B010 (typeshed does not declare it)


PRELOAD = (
    "dwp.platform.app_factory",
    "dwp.platform.database",
    "dwp.platform.aws",
    "dwp.platform.http",
    "dwp.platform.outbox",
    "dwp.platform.migrations",
    "dwp.platform.uow",
    "dwp.platform.tables",
    "dwp.platform.pii",
    "dwp.platform.messaging",
    "dwp.platform.idempotency",
    "dwp.platform.retention",
    "dwp.platform.etag",
    "dwp.platform.cache",
    "pydantic.v1",
    "typer",
    "uvicorn",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.lifespan.on",
)
"""What the fork server imports once for every service: FastAPI, pydantic, SQLAlchemy, structlog, boto3,
httpx, Redis, OpenTelemetry and uvicorn come with these. A service forked from it imports only its own
modules, so 16 processes on 2 cores do not each import the same 1-2 s of libraries (docs/performance.md).
None of these reads the environment as it is imported: each child sets its own before it imports its app."""


class ChildProcess(Protocol):
    """What the supervision needs of a child: `subprocess.Popen` and `ForkedProcess` both are one."""

    pid: int
    stdout: IO[str] | None

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...


def _serve_forked(name: str, port: int, env: dict[str, str], output: socket.socket) -> None:
    """In a process forked from the fork server: `dwp serve NAME --port PORT --migrate`, its own OS process.

    The fork server runs no thread and no event loop (it only imports `PRELOAD` and forks), so forking it
    is safe; `dwp up` itself, which has threads, never forks."""
    os.setsid()  # as `start_new_session`: Ctrl-C reaches `dwp up` only, which stops the children in order
    _release_fork_server()
    _die_with_parent()  # the fork server, which exits when `dwp up` does
    _name_process(f"dwp-{name}")  # its command line is the fork server's: `pgrep -l dwp-` tells them apart
    for fd in (1, 2):
        os.dup2(output.fileno(), fd)
    output.close()
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    os.environ.clear()
    os.environ.update(env)
    from dwp.platform.settings import get_settings

    get_settings.cache_clear()  # the child's own environment, not the fork server's
    sys.argv = ["dwp", "serve", name, "--port", str(port), "--migrate"]
    from dwp.cli import main

    main()


class ForkedProcess:
    """A child forked from the fork server, answering as `subprocess.Popen` does. It is not our child, so
    whether it runs, and its signals, go through a pidfd (a handle on that very process, never on a later
    one with the same pid); its exit code (negative for a signal) comes from the fork server."""

    def __init__(self, process: multiprocessing.process.BaseProcess, stdout: IO[str]) -> None:
        self._process = process
        self.stdout: IO[str] | None = stdout
        self.pid = process.pid or 0
        self._pidfd = os.pidfd_open(self.pid)
        self._code: int | None = None

    @property
    def returncode(self) -> int | None:
        return self._code

    def _ended(self, timeout: float | None) -> bool:
        readable, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(readable)

    def poll(self) -> int | None:
        if self._code is None and self._ended(0):
            self._process.join(5)  # the fork server reports the exit status as soon as it reaps it
            code = self._process.exitcode
            self._code = code if code is not None else -signal.SIGKILL
            os.close(self._pidfd)
        return self._code

    def wait(self, timeout: float | None = None) -> int:
        if self._code is None and not self._ended(timeout):
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
        code = self.poll()
        assert code is not None
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _fork_server() -> multiprocessing.context.BaseContext | None:
    """The fork server's context (Linux), started at once so that its imports overlap the rest of starting."""
    if not sys.platform.startswith("linux") or os.environ.get("DWP_UP_NO_FORK_SERVER"):
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _name_process(name: str) -> None:
    """The name `ps -o comm`, `top` and `pgrep` show (Linux keeps 15 bytes of it)."""
    import ctypes

    pr_set_name = 15
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_name, name.encode()[:15], 0, 0, 0)


class LaunchError(Exception):
    """Something stops the platform from starting; the message says what and what to do."""


RESTART_BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
"""How long to wait before each further restart of a process that died (as ECS backs off a failing task)."""
GIVE_UP_AFTER = 5
"""Restarts within `RESTART_WINDOW_SECONDS` after which a process is reported as failing and left stopped."""
RESTART_WINDOW_SECONDS = 120.0
LAST_LINES = 15


@dataclass
class Child:
    name: str
    process: ChildProcess
    port: int
    colour: str
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    serves: str | None = None
    """The catalogue process it serves when forked from the fork server (else `command` is run)."""
    last_lines: deque[str] = field(default_factory=lambda: deque(maxlen=LAST_LINES))
    exits: list[float] = field(default_factory=list)
    """When it died, for the restart window."""
    restart_at: float | None = None
    awaiting_ready: bool = False
    given_up: bool = False


class Launcher:
    def __init__(self, settings: Settings, console: Console | None = None) -> None:
        self.settings = settings
        self.console = console or Console(highlight=False)
        self.children: list[Child] = []
        self._print_lock = threading.Lock()
        self.demo: dict[str, str] | None = None
        self.env: dict[str, str] = {}
        self._started = time.monotonic()
        self._forks: multiprocessing.context.BaseContext | None = None

    def run(self, *, seed: bool = True) -> int:
        """Start everything and wait; Ctrl-C (or SIGTERM) stops it all. Returns the exit code."""
        started = self._started = time.monotonic()
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops us like Ctrl-C
        # A shell starts a background job (`dwp up &`) with SIGINT ignored, and Python then installs no
        # handler of its own: say explicitly that Ctrl-C (SIGINT) stops us, however we were started.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        ready = False
        try:
            self._forks = _fork_server()
            self._start_everything(seed=seed)
            ready = True
            self._print_summary(time.monotonic() - started)
            return self._supervise()
        except LaunchError as exc:
            self.console.print(f"[bold red]Cannot start the platform:[/] {exc}")
            return 1
        except KeyboardInterrupt:
            return 0 if ready else 130
        finally:
            self.stop()

    # --- starting -------------------------------------------------------------------------------

    def port(self, port: int) -> int:
        return port + self.settings.dwp_port_offset

    def url(self, entry: catalog.Process) -> str:
        return f"http://127.0.0.1:{self.port(entry.port)}"

    def _start_everything(self, *, seed: bool) -> None:
        services = [p for p in catalog.PROCESSES if p.app]
        external_aws = self.settings.aws_endpoint_url is not None
        self._check_ports(services, include_aws=not external_aws)
        env = self._child_env()
        if not external_aws:
            aws_port = self.port(catalog.AWS_ENDPOINT_PORT)
            self._start(
                "aws",
                [sys.executable, "-m", "dwp.cli", "aws-endpoint", "--port", str(aws_port)],
                aws_port,
                env,
            )
            try:
                wait_for_port("127.0.0.1", aws_port, timeout=20)
            except TimeoutError as exc:
                raise LaunchError("the embedded AWS endpoint did not start; see its log lines above") from exc
            self._stage("the embedded AWS endpoint is up")
        # The AWS resources are made while the services import their code: nothing a service does before
        # it answers ready needs them (its readiness checks wait for them, its outbox relay for the
        # bootstrap's completion marker). A thread of this process is safe: services are forked from the
        # fork server, never from here.
        preparing: Future[None] = Future()
        threading.Thread(target=self._prepare_aws, args=(env, preparing), daemon=True).start()
        for index, entry in enumerate(services):
            self._start(
                entry.name,
                # Each service migrates its own tables as it starts: in parallel, not one after another.
                [
                    sys.executable,
                    "-m",
                    "dwp.cli",
                    "serve",
                    entry.name,
                    "--port",
                    str(self.port(entry.port)),
                    "--migrate",
                ],
                self.port(entry.port),
                {**env, **proxy_env(entry.name, env)},
                colour=COLOURS[index % len(COLOURS)],
                serves=entry.name,
            )
        self._stage("every process started")
        preparing.result()  # raises its LaunchError, if it failed
        # The demo citizen is registered as soon as the services it needs answer, while the rest are
        # still starting.
        seeded = threading.Thread(target=self._seed, args=(env,), daemon=True)
        self._wait_ready(services, then=(SEED_NEEDS, seeded.start) if seed else None)
        if seeded.ident is not None:  # started
            seeded.join()

    def _prepare_aws(self, env: dict[str, str], done: Future[None]) -> None:
        try:
            self._step("creating topics, queues, tables, bucket, keys and secrets")
            self._bootstrap(env)
            self._stage("AWS resources created")
            if "DWP_JWKS_URL" not in env:
                self._run_cli(["jwks"], env)  # creates the local development signing key once
                self._stage("signing key ready")
        except BaseException as exc:
            done.set_exception(exc)
        else:
            done.set_result(None)

    def _check_ports(self, services: list[catalog.Process], *, include_aws: bool) -> None:
        wanted = [(p.name, self.port(p.port)) for p in services]
        if include_aws:
            wanted.append(("embedded AWS endpoint", self.port(catalog.AWS_ENDPOINT_PORT)))
        taken = [f"{name} needs port {port}" for name, port in wanted if not port_is_free("127.0.0.1", port)]
        if taken:
            raise LaunchError(
                "ports are already in use: "
                + "; ".join(taken)
                + ". Is the platform already running? Stop it (Ctrl-C in its terminal) or free the ports."
            )

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("AWS_ENDPOINT_URL", f"http://127.0.0.1:{self.port(catalog.AWS_ENDPOINT_PORT)}")
        env.setdefault("AWS_DEFAULT_REGION", self.settings.aws_region)
        env.setdefault("DWP_DATA_DIR", str(self.settings.dwp_data_dir.resolve()))
        env["PYTHONUNBUFFERED"] = "1"
        for entry in catalog.PROCESSES:
            env.setdefault(entry.url_setting, self.url(entry))
        if catalog.process("frontend").app:
            # Browsers use the citizen web app's address, so sign-in's redirects come back to it.
            env.setdefault("DWP_IDENTITY_PUBLIC_URL", env[catalog.process("frontend").url_setting])
        env.update({k: v for k, v in trust_env(self.settings).items() if k not in env})
        if "DWP_JWKS_URL" in env:
            keys = ("DWP_JWKS_URL", "DWP_JWT_ISSUER", "AWS_ENDPOINT_URL", "DATABASE_URL")
            trust = {k: env[k] for k in keys if k in env}
            self.settings.dwp_data_dir.mkdir(parents=True, exist_ok=True)
            trust_file = self.settings.dwp_data_dir / TRUST_FILE
            trust_file.touch(mode=0o600)  # DATABASE_URL may hold a password
            trust_file.write_text(json.dumps(trust))
        self.env = env
        return env

    def _bootstrap(self, env: dict[str, str]) -> None:
        # In this process rather than `dwp bootstrap`: a Python start-up less before anything is ready.
        from dwp.platform.aws import bootstrap

        try:
            bootstrap(self.settings.model_copy(update={"aws_endpoint_url": env["AWS_ENDPOINT_URL"]}))
        except Exception as exc:
            raise LaunchError(f"cannot create the AWS resources: {describe_failure(exc)}") from exc

    def _run_cli(self, args: list[str], env: dict[str, str]) -> None:
        result = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "dwp.cli", *args], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise LaunchError(f"`dwp {' '.join(args)}` failed:\n{tail}")

    def _start(
        self,
        name: str,
        command: list[str],
        port: int,
        env: dict[str, str],
        colour: str = "white",
        serves: str | None = None,
    ) -> None:
        child = Child(
            name, self._launch(command, env, serves, port), port, colour, command, env, serves=serves
        )
        self.children.append(child)
        self._follow(child)

    def _launch(self, command: list[str], env: dict[str, str], serves: str | None, port: int) -> ChildProcess:
        """Fork a service from the fork server where there is one, else run its command (a new Python)."""
        if serves is None or self._forks is None:
            return self._spawn(command, env)
        ours, theirs = socket.socketpair()
        process = self._forks.Process(  # type: ignore[attr-defined]
            target=_serve_forked, args=(serves, port, env, theirs), name=serves
        )
        process.start()
        theirs.close()
        return ForkedProcess(process, ours.makefile("r", encoding="utf-8", errors="replace"))

    @staticmethod
    def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
            preexec_fn=_die_with_parent,
        )

    def _follow(self, child: Child) -> None:
        assert child.process.stdout is not None
        threading.Thread(target=self._stream, args=(child, child.process.stdout), daemon=True).start()

    def _stream(self, child: Child, stream: IO[str]) -> None:
        width = max(len(c.name) for c in self.children) if self.children else 10
        for line in stream:
            child.last_lines.append(line.rstrip())
            with self._print_lock:
                self.console.print(
                    f"[{child.colour}]{child.name:<{max(width, 12)}}|[/] {escape(line.rstrip())}",
                    soft_wrap=True,
                )

    def _wait_ready(
        self,
        services: list[catalog.Process],
        then: tuple[frozenset[str], Callable[[], None]] | None = None,
    ) -> None:
        """Wait for every service's readiness; `then` is a step to start once the named ones are ready."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        pending = {p.name: p for p in services}
        with httpx.Client(timeout=1) as client:
            while pending:
                if then is not None and not then[0] & pending.keys():
                    then[1]()
                    then = None
                for name, entry in list(pending.items()):
                    child = next(c for c in self.children if c.name == name)
                    if child.process.poll() is not None:
                        time.sleep(0.2)  # let its last log lines reach the terminal
                        raise LaunchError(
                            f"{name} exited with code {child.process.returncode} while starting"
                        )
                    try:
                        if client.get(f"{self.url(entry)}/health/ready").status_code == 200:
                            pending.pop(name)
                            self._stage(f"{name} is ready")
                    except httpx.HTTPError:
                        pass
                if time.monotonic() > deadline:
                    raise LaunchError(f"not ready after {READY_TIMEOUT_SECONDS}s: {', '.join(pending)}")
                time.sleep(0.1)
        if then is not None:  # everything became ready in one pass, the named ones with the rest
            then[1]()

    def _seed(self, env: dict[str, str]) -> None:
        from dwp.seed import seed_demo_data

        try:
            self.demo = seed_demo_data(
                trusted_settings(self.settings, env),
                citizen_url=env[catalog.process("citizen").url_setting],
                gateway_url=env[catalog.process("gateway").url_setting],
            )
        except Exception as exc:  # the platform is still usable without demo data
            self.console.print(f"[yellow]Demo data was not loaded: {exc}[/]")
            self.demo = None
            return
        self._stage("demo data loaded")

    def _step(self, message: str) -> None:
        with self._print_lock:
            self.console.print(f"[bold]dwp up[/] {message}")

    def _stage(self, message: str) -> None:
        """A step of starting, with the seconds since `dwp up` began (where start-up time goes)."""
        self._step(f"{message} at {time.monotonic() - self._started:.1f}s")

    # --- running and stopping -------------------------------------------------------------------

    def _print_summary(self, seconds: float) -> None:
        table = Table(title=f"DWP benefits platform is running (ready in {seconds:.1f}s)")
        table.add_column("process")
        table.add_column("address")
        table.add_column("API docs")
        kinds = {p.name: p.kind for p in catalog.PROCESSES}
        for child in self.children:
            url = f"http://127.0.0.1:{child.port}"
            # Simulators follow their provider's published API and serve no OpenAPI pages of their own;
            # the web app's address is its start page (its CSP refuses Swagger UI's CDN).
            docs = f"{url}/docs" if kinds.get(child.name) not in (None, "simulator", "frontend") else ""
            table.add_row(child.name, url, docs)
        with self._print_lock:
            self.console.print(table)
            frontend = next((c for c in self.children if c.name == "frontend"), None)
            if frontend is not None:
                self.console.print(f"[bold]Open the citizen web app:[/] http://127.0.0.1:{frontend.port}/")
            demo = self.demo
            if demo:
                self.console.print(
                    "[bold]Demo sign-ins[/] (each command mints a fresh token, valid 15 minutes):"
                )
                for label, value in demo.items():
                    # Never folded: a token or link broken over two lines cannot be copied.
                    self.console.print(f"  {label}: {escape(value)}", soft_wrap=True)
            self.console.print("Press Ctrl-C to stop everything.")

    def _supervise(self) -> int:
        """Keep every process running, as ECS keeps a service's tasks: one that dies is restarted with
        backoff and reported; one that keeps dying is reported with its last lines and left stopped,
        while the rest run on. Returns only when interrupted (Ctrl-C or SIGTERM raise out of it)."""
        with httpx.Client(timeout=1) as client:
            while True:
                now = time.monotonic()
                for child in self.children:
                    self._look_after(child, now, client)
                time.sleep(0.2)

    def _look_after(self, child: Child, now: float, client: httpx.Client) -> None:
        if child.given_up:
            return
        if child.restart_at is None and child.process.poll() is not None:
            child.exits = [t for t in child.exits if now - t < RESTART_WINDOW_SECONDS] + [now]
            code = child.process.returncode
            if len(child.exits) > GIVE_UP_AFTER:
                child.given_up = True
                lines = "\n".join(f"    {line}" for line in child.last_lines)
                self._step(
                    f"[red]{child.name} keeps stopping (exit code {code}, {len(child.exits)} times in "
                    f"{RESTART_WINDOW_SECONDS:.0f}s); left stopped. Its last lines:[/]\n{escape(lines)}"
                )
                return
            delay = RESTART_BACKOFF_SECONDS[min(len(child.exits), len(RESTART_BACKOFF_SECONDS)) - 1]
            child.restart_at = now + delay
            self._step(
                f"[red]{child.name} stopped unexpectedly (exit code {code}); restarting in {delay:.0f}s[/]"
            )
        elif child.restart_at is not None and now >= child.restart_at:
            child.restart_at = None
            child.process = self._launch(child.command, child.env, child.serves, child.port)
            child.awaiting_ready = True
            self._follow(child)
            self._step(f"{child.name} restarted")
        elif child.awaiting_ready and child.process.poll() is None and self._is_ready(child, client):
            child.awaiting_ready = False
            if child.name == "aws":
                # The emulator keeps nothing across a restart: create the resources again (the keys and
                # secrets come back from the keys file) before anything is told it is ready.
                try:
                    self._bootstrap(self.env)
                except LaunchError as exc:
                    self._step(f"[red]{exc}[/]")
                    child.awaiting_ready = True
                    return
            self._step(f"{child.name} is ready again")

    def _is_ready(self, child: Child, client: httpx.Client) -> bool:
        if child.name == "aws":
            return not port_is_free("127.0.0.1", child.port)
        try:
            return client.get(f"http://127.0.0.1:{child.port}/health/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Stop services first and the AWS endpoint last, so relays can finish what they are doing."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
        (self.settings.dwp_data_dir / TRUST_FILE).unlink(missing_ok=True)
        if self.children:
            self._step("stopped")
