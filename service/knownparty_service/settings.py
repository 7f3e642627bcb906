"""Server settings: defaults, then KNOWNPARTY_* environment variables, then command-line flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


DEFAULT_POLICY_FILE = Path(__file__).parent / "policies" / "default.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KNOWNPARTY_", extra="ignore")

    # The embedded default: one SQLite file in the working folder, no server to run.
    database_url: str = "sqlite:///knownparty.db"
    listen: str = "127.0.0.1:50051"
    # A synchronous server with a thread pool measured faster than grpc.aio for small unary calls.
    max_workers: int = Field(default=8, ge=1, le=512)
    # Server processes sharing the listen port (SO_REUSEPORT), each with its own RPC threads and
    # screening index; 1 is a single process. Above 1, PostgreSQL is the database to use.
    workers: int = Field(default=1, ge=1, le=64)
    # The largest request message accepted (bytes); gRPC refuses a larger one with
    # RESOURCE_EXHAUSTED. Room for a 4 MiB watchlist chunk and its framing.
    max_message_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # How often health pings the database (NOT_SERVING while it does not answer).
    database_check_seconds: float = Field(default=2.0, gt=0, le=3600)
    # How long SIGTERM waits for in-flight calls before cancelling them.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    log_level: str = "INFO"
    # One JSON object a line (for log collectors), or plain text lines for reading in a terminal.
    log_format: Literal["json", "text"] = "json"
    # Prometheus metrics over HTTP (GET /metrics); empty turns them off. Worker i of several
    # serves on this port + i.
    metrics_listen: str = "127.0.0.1:9464"
    # Streaming calls one API key may have open at once; more are RESOURCE_EXHAUSTED.
    max_streams_per_key: int = Field(default=16, ge=1, le=10_000)
    # A payment import applies the batches that are waiting together, in transactions of up to
    # this many rows: larger ones import faster, and hold SQLite's write lock longer (about a
    # second at 20,000 rows; other writers wait for it).
    import_transaction_rows: int = Field(default=20_000, ge=1, le=200_000)
    # VetParties decides half of each round in a helper process (started with the first stream),
    # so a bulk run uses two cores; the helper holds its own index of the lists.
    vetting_helper: bool = True
    # How often the screening index checks the database for list versions imported elsewhere.
    index_poll_seconds: float = Field(default=2.0, gt=0, le=3600)
    # The versioned vetting policy; the packaged default when unset.
    policy_file: Path | None = None
    # The Ed25519 key that signs decisions (PEM, PKCS#8); generated here on first start if absent.
    # Keep it secret and backed up; to rotate, move it away and restart (old keys keep verifying).
    signing_key_file: Path = Path("knownparty-signing.key")
    # The keys that encrypt tax IDs, bank accounts and ID-document numbers at rest; generated here
    # on first start if absent. Losing it loses those values: back it up, apart from the database.
    # To rotate, run `knownparty db rotate-data-key` (README, "Rotating the data key").
    data_key_file: Path = Path("knownparty-data.key")
    # TLS: the server's certificate chain and its unencrypted private key (PEM); plain text when unset.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # Mutual TLS: clients must present a certificate signed by this CA (PEM).
    tls_client_ca_file: Path | None = None
    # Server reflection lets grpcurl discover the API; turn it off to hide the schema from callers.
    reflection: bool = True

    @property
    def policy_path(self) -> Path:
        return self.policy_file or DEFAULT_POLICY_FILE

    @model_validator(mode="after")
    def _tls_files_go_together(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file must be set together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("tls_client_ca_file (mutual TLS) needs tls_cert_file and tls_key_file")
        return self

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        # A bare postgresql:// URL would pick psycopg2, which is not a dependency.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @field_validator("metrics_listen")
    @classmethod
    def _host_and_port(cls, listen: str) -> str:
        host, _, port = listen.strip().rpartition(":")
        if listen.strip() and not (host and port.isdigit() and int(port) <= 65535):
            raise ValueError(f"{listen!r} is not HOST:PORT (or empty to turn metrics off)")
        return listen.strip()
