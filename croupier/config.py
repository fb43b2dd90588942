"""Configuration from the environment (``CROUPIER_*``) and an optional secrets file.

Secrets never get a default and never reach logs: ``Settings.__repr__`` hides them.
A secrets file holds ``KEY=VALUE`` lines (``CROUPIER_SECRETS_FILE``); the
environment wins over the file so an operator can override one value quickly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from faq.learned_words import DEFAULT_LEARNED_WORDS
from faq.model import DEFAULT_LANGUAGES
from handlers.decide import MatchSettings
from handlers.escalation_model import DEFAULT_MODEL

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FAQ_DIR = PACKAGE_ROOT / "faq" / "content"
DEFAULT_BOT_TEXTS = PACKAGE_ROOT / "faq" / "texts" / "bot.yaml"
ENV_PREFIX = "CROUPIER_"


class ConfigError(ValueError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    data_dir: Path = Path("var")
    database: Path | None = None
    """SQLite file; defaults to ``data_dir/croupier.sqlite3``."""
    store: SecretStr | None = None
    """``postgresql://user:pass@host/db`` for the PostgreSQL store (several processes);
    unset: the SQLite file. A secret: the URL may carry a password."""
    stream: SecretStr | None = None
    """``redis://host:port/db`` to carry events from front ends to workers over Redis
    Streams; unset: in-process (one process does everything)."""
    role: Literal["all", "frontend", "worker"] = "all"
    """frontend: verify, store and enqueue; worker: decide and send; all: both."""
    stream_claim_idle_seconds: float = Field(30.0, gt=0)
    """A stream entry a worker read and did not acknowledge for this long is taken over
    by another worker (its reader is presumed dead)."""
    outbox_lease_seconds: float = Field(120.0, gt=0)
    """How long a worker holds the outbox rows it is sending; a dead worker's rows go to
    another after this (a row it was mid-send on becomes a dead letter: in doubt)."""
    faq_dir: Path = DEFAULT_FAQ_DIR
    bot_texts: Path = DEFAULT_BOT_TEXTS
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    """Languages every FAQ entry should have (missing ones are warnings)."""
    answer_threshold: float = Field(MatchSettings.answer_threshold, gt=0, lt=1)
    escalation_threshold: float = Field(MatchSettings.escalation_threshold, gt=0, le=1)
    """The escalation model's threshold (see MatchSettings); 1 switches the model off."""
    escalation_model: Path = DEFAULT_MODEL
    """A model retrained on the casino's own labelled messages (``croupier triage train``)."""
    learned_words: Path = DEFAULT_LEARNED_WORDS
    """Player words read as FAQ concepts, relearned from the casino's own labelled messages
    (``croupier faq learn``)."""
    faq_reload_seconds: float = Field(2.0, gt=0)
    console_user: str = "moderator"
    console_password: SecretStr | None = None
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    """``json``: one JSON object per line with request/event/outbox ids, for log shippers."""
    outbox_max_attempts: int = Field(8, ge=1)
    outbox_send_timeout_seconds: float = Field(30.0, gt=0)
    """A platform call taking longer is abandoned and retried (it only holds up its own
    conversation)."""
    outbox_backoff_seconds: float = Field(1.0, gt=0)
    """First retry delay; it doubles per attempt (with ±20 % jitter) up to five minutes."""
    player_messages_per_minute: float = Field(20.0, gt=0)
    player_burst: int = Field(10, ge=1)
    """Flood control per player: ``player_burst`` messages at once, then
    ``player_messages_per_minute``; messages beyond become dead letters with the reason."""
    retention_days: float | None = Field(None, ge=2)
    """Conversations' data older than this is deleted (every 6 h); None keeps everything.
    Casinos usually must keep support records for years (AML): set it to what the
    licence says, not shorter. At least two days: the purge also forgets platform message
    ids, and Meta redelivers a webhook for up to ~36 hours."""
    first_response_sla_seconds: int = Field(900, ge=1)
    """Moderators' first-response target: the console marks tickets waiting longer."""

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @property
    def store_url(self) -> str | None:
        return self.store.get_secret_value() if self.store else None

    @property
    def stream_url(self) -> str | None:
        return self.stream.get_secret_value() if self.stream else None

    @property
    def database_path(self) -> Path:
        return self.database or self.data_dir / "croupier.sqlite3"

    def match_settings(self) -> MatchSettings:
        return MatchSettings(
            answer_threshold=self.answer_threshold,
            escalation_threshold=self.escalation_threshold,
        )


def read_secrets_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "=" not in stripped:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        key, value = stripped.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def merged_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``CROUPIER_*`` values from the secrets file, overridden by the environment.

    Channel adapters read their own sections (``CROUPIER_META_*``…) from this mapping.
    """
    environ = dict(os.environ if environ is None else environ)
    merged: dict[str, str] = {}
    secrets_path = environ.get(ENV_PREFIX + "SECRETS_FILE")
    if secrets_path:
        try:
            merged.update(read_secrets_file(Path(secrets_path)))
        except OSError as exc:
            raise ConfigError(f"cannot read secrets file {secrets_path}: {exc}") from exc
    merged.update({k: v for k, v in environ.items() if k.startswith(ENV_PREFIX)})
    merged.pop(ENV_PREFIX + "SECRETS_FILE", None)
    return merged


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    raw: dict[str, object] = {}
    for key, value in merged_environment(environ).items():
        field = key[len(ENV_PREFIX) :].lower()
        if field in Settings.model_fields:
            raw[field] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**raw)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
