"""Settings every service reads from its environment; bad values stop it at start.

Each service subclasses `ServiceSettings` with its own defaults (port, schema). Defaults are
the ones `make run` uses, which also sets DATABASE_URL to the PostgreSQL it starts;
production sets every value (deploy/k8s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.devkeys import DEV_PERSONAL_DATA_KEY
from shared.eventstore.cipher import master_key
from shared.principal import CLAIMS

DEV_PSEUDONYM_KEY = "development-only-pseudonym-key"


class IdentitySettings(BaseSettings):
    """How a bearer token is verified: by the public key in a file (the default; `make run` mints
    development tokens with its private half), and, where AUTH_OIDC_ISSUER is set, by the keys the
    province's identity provider publishes (OpenID Connect discovery, JWKS). Read by every service
    and by the dashboard."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    auth_jwt_public_key_file: Path = Field(
        default=Path(".local/jwt/public.pem"),
        description="PEM public key whose tokens carry AUTH_JWT_ISSUER; may be absent where AUTH_OIDC_ISSUER is set",
    )
    auth_jwt_algorithms: list[Literal["RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA"]] = Field(
        default=["RS256"], description="What a token may be signed with"
    )
    auth_jwt_issuer: str = Field(default="fdcs-dev", description="The `iss` a token must carry")
    auth_jwt_audience: str = Field(default="fdcs", description="The `aud` a token must carry")

    auth_oidc_issuer: str = Field(
        default="",
        pattern=r"^(https?://\S+)?$",
        description="The province's identity provider (its `iss`): its tokens are checked by the keys it publishes",
    )
    auth_oidc_audience: str = Field(default="fdcs", description="The `aud` the identity provider's tokens must carry")
    auth_oidc_jwks_url: str = Field(
        default="", pattern=r"^(https?://\S+)?$", description="Its key set (empty: the `jwks_uri` of its discovery)"
    )
    auth_oidc_claims: dict[str, str] = Field(
        default={},
        description="Which of its claims carries ours, as JSON, e.g. "
        '{"role": "realm_access.roles", "area": "fdcs_area"}; a claim not named is read under its own name',
    )
    auth_oidc_timeout_seconds: float = Field(
        default=5, gt=0, le=60, description="Longest wait for its discovery or key set (then 503, never a hang)"
    )

    @model_validator(mode="after")
    def _known_claims(self) -> Self:
        if strange := set(self.auth_oidc_claims) - {"sub", "role", *CLAIMS}:
            raise ValueError(f"AUTH_OIDC_CLAIMS maps claims the platform does not read: {sorted(strange)}")
        return self


class ServiceSettings(IdentitySettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="`production` refuses the development keys, a missing DATABASE_URL and SIMULATED_CLOCK",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="Lowest level logged")
    log_format: Literal["json", "text"] = Field(
        default="json", description="JSON lines with service and correlation, causation and trace ids; or plain text"
    )
    timezone: ZoneInfo = Field(default=ZoneInfo("Asia/Shanghai"), description="Where dates are reckoned")
    http_host: str = Field(default="127.0.0.1", description="Address the API listens on")
    http_port: int = Field(
        default=8000, ge=1, le=65535, description="Port the API listens on (each service has its own)"
    )
    http_workers: int = Field(default=1, ge=1, le=64, description="Processes per pod; scale pods instead")
    http_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, le=1 << 30, description="A request body's limit, unless its route sets its own"
    )
    http_read_seconds: float = Field(
        default=15, gt=0, le=600, description="How long a client may take to send a whole request once it starts"
    )
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=600, description="How long an idle connection stays")
    http_max_in_flight: int = Field(
        default=16, ge=1, le=10_000, description="Requests a process works on at once; beyond, they queue or get 503"
    )
    http_max_queued: int = Field(
        default=32, ge=0, le=10_000, description="Requests that may wait for a free slot; beyond, 503 at once"
    )
    # 50, not 100: the slowest answers at 128 clients had waited 45-95 ms for a slot in a burst and
    # then ran up to 250 ms more (bench/README.md, 2026-12-06): a longer wait only makes them late.
    http_queue_timeout_ms: int = Field(
        default=50, ge=0, le=60_000, description="Longest a request waits for a slot before its 503"
    )

    database_url: str = Field(
        default="",
        description="postgresql://user:password@host:port/db (`make run` and the tests start their own)",
        pattern=r"^((postgresql(\+psycopg)?|postgres)://.*)?$",
    )
    database_schema: str = Field(
        default="public", pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="The service's own schema: no other reads it"
    )
    database_pool_size: int = Field(default=5, ge=1, le=100, description="Connections for reads")
    database_create_tables: bool = Field(
        default=True, description="Create tables at start; production runs the migrate Job instead"
    )
    database_pre_ping: bool = Field(
        default=True,
        description="Check a pooled connection before each use, so a request never fails on one the database "
        "dropped (a restart). The relay and workers run without (false) where it is not set: they retry a failed "
        "batch anyway, and the check costs every look at the log a round trip",
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="The brokers, host:port, comma-separated"
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="SASL_SSL for Strimzi listeners with TLS and SCRAM users"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="SCRAM-SHA-512", description="How the Kafka user authenticates"
    )
    kafka_sasl_username: str = Field(default="", description="The service's own Kafka user: its ACLs are its rights")
    kafka_sasl_password: SecretStr = Field(default=SecretStr(""), description="The Kafka user's password")
    kafka_ssl_ca_location: str = Field(default="", description="PEM file of the cluster's certificate authority")
    kafka_session_timeout_ms: int = Field(
        default=10_000, ge=1000, le=300_000, description="Consumer group session (`make run` and the tests: 2000)"
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=3_000, ge=100, le=100_000, description="At most a third of the session (`make run`, tests: 500)"
    )
    kafka_max_poll_interval_ms: int = Field(
        default=300_000,
        ge=1000,
        le=3_600_000,
        description="Longest a consumer may go without polling before the group drops it (retries poll meanwhile)",
    )
    kafka_fetch_wait_max_ms: int = Field(
        default=500, ge=0, le=10_000, description="Longest a fetch waits for data (`make run`, tests: 50)"
    )
    kafka_enable_idempotence: bool = Field(default=True, description="Idempotent producer, where the broker allows it")
    kafka_topic_replication: int = Field(
        default=1, ge=1, le=7, description="Replicas of the topics the platform creates itself"
    )

    pseudonym_key: SecretStr = Field(
        default=SecretStr(DEV_PSEUDONYM_KEY),
        description="Secret of the keyed hash making an identity number a `resident_ref`: the same in every service",
    )
    personal_data_key: SecretStr = Field(
        default=SecretStr(DEV_PERSONAL_DATA_KEY),
        description="Base64 of 32 bytes: wraps each resident's key for their personal data at rest",
    )

    simulated_clock: bool = Field(
        default=False, description="Requests may set their time (X-Simulated-Time): the simulation; never production"
    )
    relay_batch_size: int = Field(default=500, ge=1, le=10_000, description="Most events the relay reads per round")
    relay_idle_seconds: float = Field(
        default=0.05, gt=0, le=10, description="The relay's wait when the log has no more"
    )
    command_batch_size: int = Field(default=256, ge=1, le=10_000, description="Most commands in one group commit")
    consumer_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Tries of a failing batch, then of each of its events alone, before the event is dead-lettered",
    )
    consumer_retry_seconds: float = Field(default=0.1, gt=0, le=60, description="First wait before a retry; doubles")
    consumer_retry_max_seconds: float = Field(default=5, gt=0, le=600, description="Longest wait between retries")
    consumer_lag_seconds: float = Field(
        default=10, gt=0, le=3600, description="How often a consumer measures its lag (one broker round trip)"
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Relays and projections serve /metrics here (0: off); APIs on HTTP_PORT"
    )
    otel_exporter_otlp_endpoint: str = Field(
        default="",
        pattern=r"^(https?://[^\s]+)?$",
        description="OpenTelemetry collector's OTLP/HTTP address (http://collector:4318): spans go to its /v1/traces; "
        "empty: tracing off",
    )
    tracing_sample_ratio: float = Field(
        default=1.0, ge=0, le=1, description="Share of new traces kept; a trace begun by a caller keeps its choice"
    )

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.kafka_heartbeat_interval_ms * 3 > self.kafka_session_timeout_ms:
            raise ValueError("kafka_heartbeat_interval_ms must be at most a third of the session timeout")
        if self.kafka_max_poll_interval_ms < self.kafka_session_timeout_ms:
            raise ValueError("kafka_max_poll_interval_ms must be at least the session timeout (librdkafka's rule)")
        if self.environment == "production" and self.pseudonym_key.get_secret_value() == DEV_PSEUDONYM_KEY:
            raise ValueError("set PSEUDONYM_KEY: the development key is refused in production")
        if self.environment == "production" and self.personal_data_key.get_secret_value() == DEV_PERSONAL_DATA_KEY:
            raise ValueError("set PERSONAL_DATA_KEY: the development key is refused in production")
        master_key(self.personal_data_key.get_secret_value())  # 32 bytes of base64, or stop at start
        if self.environment == "production" and not self.database_url:
            raise ValueError("set DATABASE_URL: production has no embedded PostgreSQL")
        if self.environment == "production" and self.simulated_clock:
            raise ValueError("SIMULATED_CLOCK lets callers backdate facts: refused in production")
        return self
