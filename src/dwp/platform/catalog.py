"""The one table of what the platform runs: processes, ports, settings and the AWS resources each uses.

Settings (`dwp.platform.settings`), `dwp up`, the bootstrap of the embedded AWS endpoint, the
docker-compose file and the CDK app (`infra/`) all read this table, so a name or a port is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["service", "frontend", "gateway", "worker", "simulator"]
Peak = Literal["monday-morning", "monthly-run"]
"""Predictable peaks that scheduled scaling prepares for (their times live in `infra/`)."""

PREFIX = "dwp"


@dataclass(frozen=True)
class Queue:
    """An SQS queue (with its dead-letter queue) that a consumer owns, subscribed to some topics."""

    name: str
    topics: tuple[str, ...]
    max_receive_count: int = 5
    visibility_seconds: int = 30
    """How long a received message stays hidden while its consumer works on it (locally: `dwp bootstrap`;
    infra/ gives every queue 90 minutes, six times the longest function timeout)."""

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq"


@dataclass(frozen=True)
class Table:
    """A DynamoDB table: on-demand, with a TTL attribute that expires items."""

    name: str
    partition_key: str = "pk"
    ttl_attribute: str = "expires_at"


@dataclass(frozen=True)
class CustomMetric:
    """An application metric a service publishes (CloudWatch embedded metric format) and scales on."""

    namespace: str
    name: str
    target: float
    """Target value per running task for target-tracking scaling."""
    dimension: str = "Service"
    """Dimension whose value is the process name."""


@dataclass(frozen=True)
class Process:
    """One process of the platform: a Fargate service on AWS, a uvicorn process locally."""

    name: str
    kind: Kind
    port: int
    app: str | None = None
    """Import path of the factory that builds the ASGI app (`module:function`), for processes that serve
    HTTP: `uvicorn --factory` calls it, so no app is built when its module is imported."""
    deployed: bool = True
    """Whether it becomes a Fargate service on AWS (the gateway and simulators do not)."""
    route_prefixes: tuple[str, ...] = ()
    """Path prefixes the gateway (API Gateway on AWS) routes to this service."""
    internal_prefixes: tuple[str, ...] = ()
    """Path prefixes of its routes for the platform's own callers only (`/v1/internal/...`, the earnings
    look-ups), never on the API. Services reach them over Service Connect; the worker functions, which
    Service Connect names do not reach, through the internal load balancer, which routes these too."""
    db_schema: str | None = None
    """Its own schema on PostgreSQL (its own database file on SQLite)."""
    publishes: tuple[str, ...] = ()
    """SNS topics it publishes to, through its outbox."""
    consumes: tuple[Queue, ...] = ()
    tables: tuple[str, ...] = ()
    """DynamoDB tables it reads and writes."""
    bucket_prefixes: tuple[str, ...] = ()
    """Key prefixes it may use in the evidence bucket."""
    secrets: tuple[str, ...] = ()
    """Secrets Manager secret names it reads."""
    uses_pii_key: bool = False
    """Whether it may use the PII KMS key (envelope encryption of NINO, date of birth, bank details)."""
    calls: tuple[str, ...] = field(default=())
    """Other processes it calls over HTTP (for security groups and Service Connect)."""
    uses_cache: bool = False
    """Whether it connects to Redis (ElastiCache on AWS)."""
    cpu: int = 256
    """Fargate CPU units of one task (1024 = 1 vCPU)."""
    memory_mib: int = 512
    health_path: str = "/health/ready"
    peaks: tuple[Peak, ...] = ()
    """Predictable peaks for which scheduled scaling adds tasks."""
    scaling_metric: CustomMetric | None = None
    """A custom metric it publishes and scales on, besides CPU, memory and requests."""
    extras: tuple[str, ...] = ()
    """The optional dependencies (pyproject extras) its code imports beyond the base runtime: its image
    holds exactly those (see `image_suffix`; tests/infra/test_image_closure.py checks it)."""

    @property
    def on_fargate(self) -> bool:
        """Whether it runs as a Fargate service on AWS (workers run as Lambda functions, see FUNCTIONS)."""
        return self.deployed and self.kind in ("service", "frontend")

    @property
    def url_setting(self) -> str:
        return f"DWP_{self.name.upper().replace('-', '_')}_URL"

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# AWS resource names shared by the bootstrap of the embedded endpoint and by infra/.
CITIZEN_EVENTS_TOPIC = f"{PREFIX}-citizen-events"
CLAIMS_EVENTS_TOPIC = f"{PREFIX}-claims-events"
BENEFITS_EVENTS_TOPIC = f"{PREFIX}-benefits-events"
PAYMENTS_EVENTS_TOPIC = f"{PREFIX}-payments-events"
TOPICS = (CITIZEN_EVENTS_TOPIC, CLAIMS_EVENTS_TOPIC, BENEFITS_EVENTS_TOPIC, PAYMENTS_EVENTS_TOPIC)
"""Every topic has a publisher (tests/unit/platform/test_catalog.py). Identity publishes nothing: who signed
in, and when, is its own log's business, and nothing in the catalogue or `infra/` subscribes to it."""

SESSIONS_TABLE = f"{PREFIX}-sessions"
IDEMPOTENCY_TABLE = f"{PREFIX}-idempotency"
EVIDENCE_BUCKET = f"{PREFIX}-evidence"
EVIDENCE_SCAN_TAG = f"{PREFIX}-scan"
"""Object tag the malware scan's verdict is written to; the bucket policy denies reading `infected`."""
EVIDENCE_QUARANTINE = "quarantine/"
"""Sub-prefix (under a service's bucket prefix) of flagged objects, which nobody may read."""
EVIDENCE_INCOMING = "incoming/"
"""Sub-prefix of objects as the citizen uploaded them, before their checks; expired by lifecycle."""
DATA_KEY_ALIAS = f"alias/{PREFIX}-data"
"""The platform's key for data at rest (RDS, S3, SNS, SQS, secrets); evidence is encrypted with it."""
PII_KEY_ALIAS = f"alias/{PREFIX}-pii"
BLIND_INDEX_SECRET = f"{PREFIX}/pii-blind-index-key"

NOTIFY_API_KEY_SECRET = f"{PREFIX}/notify-api-key"
OS_PLACES_API_KEY_SECRET = f"{PREFIX}/os-places-api-key"
HMRC_CLIENT_SECRET = f"{PREFIX}/hmrc-client-credentials"
"""The integrations service's OAuth client at HMRC: JSON `{"client_id": ..., "client_secret": ...}`."""
PAYMENT_SYSTEM_KEY_SECRET = f"{PREFIX}/payment-system-key"
"""The payments service's bearer key at the payment system (the Bacs bureau or Faster Payments gateway)."""
NHS_API_KEY_SECRET = f"{PREFIX}/nhs-api-key"
"""The integrations service's application (API key) at the NHS API platform: JSON `{"api_key": ...}`."""
STAFF_CLIENT_SECRET = f"{PREFIX}/identity-staff-client-secret"
"""The identity service's client secret at the staff identity provider (Microsoft Entra ID): the provider's
portal gives it. Injected into identity's tasks as `DWP_IDENTITY_STAFF_CLIENT_SECRET`."""
ONE_LOGIN_CLIENT_KEY_SECRET = f"{PREFIX}/identity-one-login-client-key"
"""The identity service's private key at GOV.UK One Login (a JWK as JSON; its public half is registered
with One Login). Injected into identity's tasks as `DWP_IDENTITY_ONE_LOGIN_CLIENT_KEY`."""
ISSUER_INJECTED_SECRETS = {
    "DWP_IDENTITY_STAFF_CLIENT_SECRET": STAFF_CLIENT_SECRET,
    "DWP_IDENTITY_ONE_LOGIN_CLIENT_KEY": ONE_LOGIN_CLIENT_KEY_SECRET,
}
"""The settings that the identity service refuses to start without outside local
(`IdentitySettings._refuse_local_secrets_outside_local`), by the secret ECS injects each from at task
start."""
LOCAL_SECRET_VALUES = {
    HMRC_CLIENT_SECRET: '{"client_id": "dwp-integrations-local", "client_secret": "local-hmrc-secret"}',
    NHS_API_KEY_SECRET: '{"api_key": "dwp-integrations-local"}',
    OS_PLACES_API_KEY_SECRET: "local-os-places-key",
    PAYMENT_SYSTEM_KEY_SECRET: "local-payment-system-key",
}
"""What `dwp bootstrap` puts in the provider secrets on the embedded endpoint: the simulators' local
credentials. On AWS `infra/` creates the secrets and the provider's portal gives their values."""
NOTIFY_PER_MINUTE = 2700
"""The platform's own limit on requests to GOV.UK Notify, below Notify's 3,000 a minute per key."""

TABLES: tuple[Table, ...] = (Table(SESSIONS_TABLE), Table(IDEMPOTENCY_TABLE))

EVIDENCE_INCOMING_DAYS = 2
"""Days an uploaded object is kept as uploaded: the service checks it within minutes and copies what it
accepts (or quarantines), so the upload itself is only ever needed briefly."""
EVIDENCE_CORS_METHODS = ("POST",)
"""What the SPA's origin may send to the evidence bucket: the presigned POST form, nothing else."""


def evidence_bucket_statements(bucket_arn: str, key_arn: str) -> list[dict[str, object]]:
    """The evidence bucket's policy beyond TLS-only, the same on AWS (`infra/`) and in bootstrap.

    Every upload must name the platform's data key with SSE-KMS (the presigned POST's policy requires
    the same two fields); no one may read a quarantined object, or one the scan tagged infected, so a
    link to one cannot work even if it were issued.
    """
    objects = f"{bucket_arn}/*"
    quarantined = [
        f"{bucket_arn}/{prefix}{EVIDENCE_QUARANTINE}*" for p in PROCESSES for prefix in p.bucket_prefixes
    ]
    anyone = {"AWS": "*"}
    return [
        {
            "Sid": "DenyUploadsNotEncryptedWithKms",
            "Effect": "Deny",
            "Principal": anyone,
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        },
        {
            "Sid": "DenyUploadsWithAnotherKey",
            "Effect": "Deny",
            "Principal": anyone,
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}},
        },
        {
            "Sid": "DenyReadingQuarantine",
            "Effect": "Deny",
            "Principal": anyone,
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": quarantined,
        },
        {
            "Sid": "DenyReadingInfected",
            "Effect": "Deny",
            "Principal": anyone,
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": objects,
            "Condition": {"StringEquals": {f"s3:ExistingObjectTag/{EVIDENCE_SCAN_TAG}": "infected"}},
        },
    ]


NOTIFICATIONS_QUEUE = Queue(
    name=f"{PREFIX}-notifications", topics=(CITIZEN_EVENTS_TOPIC, CLAIMS_EVENTS_TOPIC, PAYMENTS_EVENTS_TOPIC)
)
CLAIMS_INBOX_QUEUE = Queue(
    name=f"{PREFIX}-claims-inbox",
    topics=(CLAIMS_EVENTS_TOPIC, PAYMENTS_EVENTS_TOPIC),
    max_receive_count=10,
    visibility_seconds=90,
)
"""What the claims service acts on (`dwp.workers.claims_inbox`): a claim submitted or a to-do done (the
automatic path), a decision to award or a change of circumstances (the award's terms to payments), a
payment returned. A claim waiting on benefits or integrations fails its record, so it
is asked again: ten receives, with the backoff between them, before the dead-letter queue."""
ASSESSMENT_RUN_QUEUE = Queue(name=f"{PREFIX}-assessment-run", topics=(), visibility_seconds=900)
"""Work items of the monthly run: the schedule sends a start message, the handler fans out shards. A
shard may take up to the function's 15 minutes, so it stays hidden that long before another receive."""
PAYMENT_RUN_QUEUE = Queue(name=f"{PREFIX}-payment-run", topics=(), visibility_seconds=900)
"""Payment runs: the schedule's start message each working day (a payment day of a million awards may take
the function's 15 minutes, so a message stays hidden that long before another receive)."""
RETENTION_RUN_QUEUE = Queue(name=f"{PREFIX}-retention-run", topics=(), visibility_seconds=900)
"""Retention runs (docs/data-lifecycle.md): the schedule's start message each night; a sweep of the three
services may take the function's 15 minutes, so a message stays hidden that long before another receive."""

CLAIMS_WAITING_PER_CASEWORKER = CustomMetric(
    namespace="DWP/Claims", name="ClaimsWaitingPerCaseworker", target=25.0
)

PROCESSES: tuple[Process, ...] = (
    Process(
        name="frontend",
        kind="frontend",
        port=8000,
        app="dwp.frontend.app:build_app",
        calls=("gateway",),
        uses_cache=True,
        peaks=("monday-morning",),
    ),
    Process(
        name="gateway",
        kind="gateway",
        port=8080,
        app="dwp.gateway.app:build_app",
        deployed=False,
        calls=("citizen", "identity", "benefits", "claims", "address", "integrations", "payments"),
    ),
    Process(
        name="citizen",
        kind="service",
        port=8101,
        app="dwp.citizen.app:build_app",
        route_prefixes=("/v1/citizens",),
        internal_prefixes=("/v1/internal/citizens",),
        db_schema="citizen",
        publishes=(CITIZEN_EVENTS_TOPIC,),
        secrets=(BLIND_INDEX_SECRET,),
        uses_pii_key=True,
    ),
    Process(
        name="identity",
        kind="service",
        port=8102,
        app="dwp.identity.app:build_app",
        route_prefixes=("/v1/sessions", "/v1/auth", "/.well-known"),
        db_schema="identity",
        tables=(SESSIONS_TABLE,),
        # Sessions (name, ID token, proven identity) and the token signing keys are sealed with it.
        uses_pii_key=True,
        calls=("citizen",),
        uses_cache=True,
        peaks=("monday-morning",),
    ),
    Process(
        name="benefits",
        kind="service",
        port=8103,
        app="dwp.benefits.app:build_app",
        route_prefixes=("/v1/estimates", "/v1/assessments", "/v1/rates"),
        db_schema="benefits",
        publishes=(BENEFITS_EVENTS_TOPIC,),
        cpu=1024,
        memory_mib=2048,
        peaks=("monthly-run",),
        extras=("rules",),
    ),
    Process(
        name="claims",
        kind="service",
        port=8104,
        app="dwp.claims.app:build_app",
        route_prefixes=("/v1/claims",),
        internal_prefixes=(
            "/v1/internal/claims",
            "/v1/internal/assessment-periods",
            "/v1/internal/payment-returns",
            "/v1/internal/work-items",
        ),
        db_schema="claims",
        publishes=(CLAIMS_EVENTS_TOPIC,),
        bucket_prefixes=("evidence/",),
        uses_pii_key=True,
        # payments: its part of a subject access export (claims assembles the archive, decision 0011).
        calls=("citizen", "benefits", "address", "integrations", "payments"),
        uses_cache=True,
        cpu=512,
        memory_mib=1024,
        peaks=("monday-morning", "monthly-run"),
        scaling_metric=CLAIMS_WAITING_PER_CASEWORKER,
    ),
    Process(
        name="address",
        kind="service",
        port=8105,
        app="dwp.address.app:build_app",
        route_prefixes=("/v1/addresses",),
        # No tables: it finds and checks addresses; the citizen service keeps the confirmed one.
        secrets=(OS_PLACES_API_KEY_SECRET,),
        uses_cache=True,
    ),
    Process(
        name="payments",
        kind="service",
        port=8108,
        app="dwp.payments.app:build_app",
        route_prefixes=("/v1/payments",),
        internal_prefixes=("/v1/internal/payments",),
        db_schema="payments",
        publishes=(PAYMENTS_EVENTS_TOPIC,),
        # Bank details are sealed with the PII key; accounts are matched by their blind index. The
        # payment system's key is read again when the payment system refuses it (rotated).
        secrets=(BLIND_INDEX_SECRET, PAYMENT_SYSTEM_KEY_SECRET),
        uses_pii_key=True,
        calls=("payment-system",),
        peaks=("monthly-run",),
        extras=("payments",),  # the `holidays` package, for the UK bank holidays of payment days
    ),
    Process(
        name="integrations",
        kind="service",
        port=8106,
        app="dwp.integrations.app:build_app",
        # Earnings and fit notes are internal (the claims service and the workers call them directly);
        # only a caseworker's read of the data-access audit goes through the gateway.
        route_prefixes=("/v1/data-access",),
        internal_prefixes=("/v1/earnings", "/v1/national-insurance-record", "/v1/fit-notes"),
        calls=("hmrc", "nhs"),
        db_schema="integrations",
        # Read when first needed and again when a provider refuses them (rotated): dwp.platform.secrets.
        secrets=(HMRC_CLIENT_SECRET, NHS_API_KEY_SECRET),
        uses_cache=True,
    ),
    Process(
        name="workers",
        kind="worker",
        port=8107,
        app="dwp.workers.app:build_app",
        consumes=(NOTIFICATIONS_QUEUE, ASSESSMENT_RUN_QUEUE, CLAIMS_INBOX_QUEUE, PAYMENT_RUN_QUEUE),
        db_schema="workers",
        # It runs the Lambda handlers locally, on Powertools and Notify's client. The monthly run works out
        # awards through the benefits service's API, so this process needs no `rules`.
        extras=("workers",),
    ),
    Process(
        name="one-login",
        kind="simulator",
        port=9001,
        app="dwp.simulators.one_login.app:create_app",
        deployed=False,
    ),
    Process(
        name="staff-sign-in",
        kind="simulator",
        port=9002,
        app="dwp.simulators.staff_sign_in.app:create_app",
        deployed=False,
    ),
    Process(
        name="os-places",
        kind="simulator",
        port=9003,
        app="dwp.simulators.os_places.app:create_app",
        deployed=False,
        extras=("simulators",),  # Faker, for the addresses it generates
    ),
    Process(
        name="hmrc", kind="simulator", port=9004, app="dwp.simulators.hmrc.app:create_app", deployed=False
    ),
    Process(name="nhs", kind="simulator", port=9005, app="dwp.simulators.nhs.app:create_app", deployed=False),
    Process(
        name="notify", kind="simulator", port=9006, app="dwp.simulators.notify.app:create_app", deployed=False
    ),
    Process(
        name="payment-system",
        kind="simulator",
        port=9007,
        app="dwp.simulators.payments.app:create_app",
        deployed=False,
    ),
)

AWS_ENDPOINT_PORT = 4566


@dataclass(frozen=True)
class Function:
    """A worker handler that runs as a Lambda function on AWS (and in the `workers` process locally)."""

    name: str
    handler: str
    """Import path `module.function` in the same source tree as the services."""
    queue: Queue
    """Its SQS event source; the handler returns partial batch responses (`batchItemFailures`)."""
    schedule: str | None = None
    """EventBridge Scheduler cron expression (Europe/London) that sends a start message to its queue."""
    timeout_seconds: int = 60
    memory_mib: int = 512
    uses_database: bool = False
    publishes: tuple[str, ...] = ()
    sends_to: tuple[str, ...] = ()
    """SQS queues it sends messages to itself (the monthly run: its own shards, and notifications)."""
    calls: tuple[str, ...] = ()
    """Processes it calls over HTTP, with a token from the identity service (which it therefore calls
    too): on AWS each is reached at the internal load balancer (or, for a provider, the provider's API)."""
    secrets: tuple[str, ...] = ()
    uses_pii_key: bool = False
    tables: tuple[str, ...] = ()
    """DynamoDB tables it reads and writes (the notifications' idempotency records)."""
    reserved_concurrency: int = 10
    """Most invocations at once; the notifications function divides Notify's allowance by it."""
    extras: tuple[str, ...] = ()
    """As `Process.extras`: what its image holds beyond the base runtime."""


FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="notifications",
        handler="dwp.workers.lambda_handlers.notifications_handler",
        queue=NOTIFICATIONS_QUEUE,
        secrets=(NOTIFY_API_KEY_SECRET,),
        uses_database=True,
        tables=(IDEMPOTENCY_TABLE,),
        # Contact details and a claim's facts; a held registration's work item. Notify is GOV.UK Notify.
        calls=("citizen", "claims", "notify"),
        extras=("workers",),
    ),
    Function(
        name="assessment-run",
        handler="dwp.workers.lambda_handlers.assessment_run_handler",
        queue=ASSESSMENT_RUN_QUEUE,
        # 02:00 every day, UK time: each start message is the run of the UK day before (`run_day`), and
        # assessment periods end on every day of the month (a claim's period ends on the day before the
        # day of the month it started), so a run on the 1st alone would leave 29 days in 30 undone.
        schedule="cron(0 2 * * ? *)",
        timeout_seconds=900,
        memory_mib=2048,
        uses_database=True,
        # It fans a start out into shard messages on its own queue and queues each statement's
        # notification; the awards it works out are published by the benefits service, not by it.
        sends_to=(ASSESSMENT_RUN_QUEUE.name, NOTIFICATIONS_QUEUE.name),
        calls=("claims", "integrations", "benefits"),
        reserved_concurrency=50,
        extras=("rules", "workers"),  # its module is the Lambda handlers', which import Powertools
    ),
    Function(
        name="claims-inbox",
        handler="dwp.workers.lambda_handlers.claims_inbox_handler",
        queue=CLAIMS_INBOX_QUEUE,
        # It only calls the claims service over HTTP (and gives payments an award's revised terms, whole:
        # a PUT, idempotent there); claims and payments keep every record (and its idempotency).
        calls=("claims", "payments"),
        extras=("workers",),
    ),
    Function(
        name="payment-run",
        handler="dwp.workers.lambda_handlers.payment_run_handler",
        queue=PAYMENT_RUN_QUEUE,
        # 05:00 every working day, UK time: payments due in the next 3 days are instructed (the run is
        # idempotent by instruction id, so a day covered twice pays nothing twice).
        schedule="cron(0 5 ? * MON-FRI *)",
        timeout_seconds=900,
        memory_mib=512,
        # It asks the payments service to run (over HTTP, with the workers' token): no database of its own.
        calls=("payments",),
        reserved_concurrency=1,
        extras=("workers",),
    ),
    Function(
        name="retention-run",
        handler="dwp.workers.lambda_handlers.retention_run_handler",
        queue=RETENTION_RUN_QUEUE,
        # 03:30 every day, UK time: after the monthly run (02:00) and before the payment run (05:00), so the
        # three never share the database's busiest minutes. Each service deletes its own records behind
        # its own route (with the workers' token); a run killed half-way resumes on the next.
        schedule="cron(30 3 * * ? *)",
        timeout_seconds=900,
        memory_mib=512,
        # One at a time: two sweeps at once would only select the same rows.
        calls=("citizen", "claims", "payments"),  # dwp.workers.scheduled.RETENTION_SERVICES
        reserved_concurrency=1,
        extras=("workers",),
    ),
)


def image_suffix(extras: tuple[str, ...]) -> str:
    """The tag suffix of the image built with these extras: `""` for the base runtime, `-rules`...

    One Dockerfile builds every image (`docker build --build-arg DWP_EXTRAS=rules`); a process runs the
    image of its own extras, so only the benefits service and the monthly run carry the compiled kernel.
    """
    return "".join(f"-{extra}" for extra in sorted(extras))


def image_variants() -> tuple[tuple[str, ...], ...]:
    """Every distinct set of extras of a deployed process or a function: one image is built for each."""
    found = {tuple(sorted(p.extras)) for p in PROCESSES if p.on_fargate}
    found |= {tuple(sorted(f.extras)) for f in FUNCTIONS}
    return tuple(sorted(found | {()}))


def process(name: str) -> Process:
    """The catalogue entry for one process, by name."""
    for entry in PROCESSES:
        if entry.name == name:
            return entry
    raise KeyError(name)


def queues() -> tuple[Queue, ...]:
    return tuple(q for p in PROCESSES for q in p.consumes)


def all_queues() -> tuple[Queue, ...]:
    """Every queue, consumed by a process or by a Lambda function, without duplicates."""
    found: dict[str, Queue] = {q.name: q for q in queues()}
    for function in FUNCTIONS:
        found.setdefault(function.queue.name, function.queue)
    return tuple(found.values())


SERVICE_CLIENT_SECRET_PREFIX = f"{PREFIX}/service-client/"
ISSUER = "identity"
"""The process that mints service tokens (it signs its own, so it needs no client secret)."""
WORKERS_CLIENT = "workers"
"""The client id every worker function asks for its token as (`dwp.workers.*.SERVICE_NAME`)."""


def service_client_secret(client_id: str) -> str:
    """The Secrets Manager secret holding a service client's secret at the identity service."""
    return f"{SERVICE_CLIENT_SECRET_PREFIX}{client_id}"


def service_clients() -> tuple[str, ...]:
    """Every client that asks the identity service for a service token (OAuth client credentials).

    A Fargate process other than the issuer that calls a service of the platform (not a provider, not the
    gateway, whose callers send the user's token), and `workers` when a worker function calls one: every
    function asks as `workers`. Each has its own secret (`service_client_secret`), which only it and the
    identity service may read (infra/, tests/infra/test_infra_service_clients.py).
    """

    def calls_a_service(calls: tuple[str, ...]) -> bool:
        return any(process(c).kind == "service" and process(c).on_fargate for c in calls)

    names = [p.name for p in PROCESSES if p.on_fargate and p.name != ISSUER and calls_a_service(p.calls)]
    if any(calls_a_service(f.calls) for f in FUNCTIONS):
        names.append(WORKERS_CLIENT)
    return tuple(names)


def all_secrets() -> tuple[str, ...]:
    """Every Secrets Manager secret a process or function reads, in catalogue order, then the service
    clients' secrets and the identity service's provider credentials."""
    names = [s for p in PROCESSES for s in p.secrets] + [s for f in FUNCTIONS for s in f.secrets]
    names += [service_client_secret(c) for c in service_clients()]
    names += list(ISSUER_INJECTED_SECRETS.values())
    return tuple(dict.fromkeys(names))
