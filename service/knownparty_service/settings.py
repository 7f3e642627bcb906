"""Server settings: defaults, then KNOWNPARTY_* environment variables, then command-line flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


DEFAULT_POLICY_FILE = Path(__file__).parent / "policies" / "default.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KNOWNPARTY_", extra="ignore")

    # The embedded default: one SQLite file in the working folder, no server to run.
    database_url: str = "sqlite:///knownparty.db"
    listen: str = "127.0.0.1:50051"
    # A synchronous server with a thread pool measured faster than grpc.aio for small unary calls.
    max_workers: int = Field(default=8, ge=1, le=512)
    # How long SIGTERM waits for in-flight calls before cancelling them.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    log_level: str = "INFO"
    # How often the screening index checks the database for list versions imported elsewhere.
    index_poll_seconds: float = Field(default=2.0, gt=0, le=3600)
    # The versioned vetting policy; the packaged default when unset.
    policy_file: Path | None = None
    # The Ed25519 key that signs decisions (PEM, PKCS#8); generated here on first start if absent.
    # Keep it secret and backed up; to rotate, move it away and restart (old keys keep verifying).
    signing_key_file: Path = Path("knownparty-signing.key")

    @property
    def policy_path(self) -> Path:
        return self.policy_file or DEFAULT_POLICY_FILE

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        # A bare postgresql:// URL would pick psycopg2, which is not a dependency.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
