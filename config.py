"""Settings, from the environment.

The embedded default needs no environment at all: SQLite under ``instance/``, jobs in-process,
channels in sandbox mode. Production reads everything from environment variables and refuses to
start, with one line naming the variable, when something it needs is missing or invalid.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KEPT_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


def _env(name: str, default: Any = None) -> Any:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = _env(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


class Config:
    """The embedded default: runs with no services and no credentials."""

    NAME = "default"
    SECRET_KEY = _env("SECRET_KEY", "kept-embedded-default-not-secret")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kept.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    REDIS_URL = _env("REDIS_URL")
    # threading needs no monkey patching and serves the embedded default and the tests;
    # production runs gunicorn with gevent workers (Flask-SocketIO's deployment guide).
    SOCKETIO_ASYNC_MODE = _env("SOCKETIO_ASYNC_MODE", "threading")
    SOCKETIO_CORS_ALLOWED_ORIGINS = _env_list("SOCKETIO_CORS_ALLOWED_ORIGINS", [])
    HOST = _env("KEPT_HOST", "127.0.0.1")
    PORT = _env_int("KEPT_PORT", 5000)
    PUBLIC_URL = _env("PUBLIC_URL", "http://127.0.0.1:5000")

    # Channels whose webhooks this install serves (an install without X leaves it out).
    CHANNELS_ENABLED = _env_list("KEPT_CHANNELS", ["email", "x", "chat"])
    INBOX_DEFAULT_TIMEZONE = _env("INBOX_DEFAULT_TIMEZONE", "UTC")
    INBOX_DEFAULT_LANGUAGE = _env("INBOX_DEFAULT_LANGUAGE", "en")
    LANGUAGES = ("en", "ja", "ko")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # A solved ticket reopens on a customer reply within this many days; later replies open a
    # new ticket, as the customer has moved on to a new matter.
    REOPEN_WINDOW_DAYS = _env_int("REOPEN_WINDOW_DAYS", 7)

    # Automatic messages (notices, updates, surveys) per recipient, on every channel.
    AUTOMATIC_PER_HOUR = _env_int("AUTOMATIC_PER_HOUR", 3)
    AUTOMATIC_PER_DAY = _env_int("AUTOMATIC_PER_DAY", 10)

    # Satisfaction surveys: minutes after solving (admins can change it on the surveys page), and
    # how long the one-click links in them stay valid.
    SURVEY_DELAY_MINUTES = _env_int("SURVEY_DELAY_MINUTES", 60)
    SURVEY_LINK_MAX_AGE_DAYS = _env_int("SURVEY_LINK_MAX_AGE_DAYS", 30)

    ATTACHMENTS_DIR = _env("ATTACHMENTS_DIR", str(INSTANCE_DIR / "attachments"))
    ATTACHMENT_MAX_BYTES = _env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)

    # Outbox: exponential backoff with full jitter, capped, then dead letter.
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_BACKOFF_BASE_SECONDS = _env_float("OUTBOX_BACKOFF_BASE_SECONDS", 2.0)
    OUTBOX_BACKOFF_CAP_SECONDS = _env_float("OUTBOX_BACKOFF_CAP_SECONDS", 600.0)
    OUTBOX_POLL_SECONDS = _env_float("OUTBOX_POLL_SECONDS", 2.0)
    # A claimed delivery whose worker died is released after this long.
    OUTBOX_LEASE_SECONDS = _env_float("OUTBOX_LEASE_SECONDS", 120.0)

    # SLA timers fire at their instant; this sweep only repairs timers lost to a restart or a
    # dropped task, so it can be slow. It reads only live clocks, by index.
    SLA_SWEEP_SECONDS = _env_float("SLA_SWEEP_SECONDS", 30.0)

    # Jobs: "inprocess" on the embedded default, "celery" when REDIS_URL is set.
    JOB_RUNNER = _env("JOB_RUNNER")
    CELERY_BROKER_URL = _env("CELERY_BROKER_URL")

    SENDGRID_API_KEY = _env("SENDGRID_API_KEY")
    SENDGRID_API_HOST = _env("SENDGRID_API_HOST", "https://api.sendgrid.com")
    SUPPORT_EMAIL_ADDRESS = _env("SUPPORT_EMAIL_ADDRESS", "support@kept.example")
    SUPPORT_EMAIL_NAME = _env("SUPPORT_EMAIL_NAME", "Kept Support")
    EMAIL_MESSAGE_ID_DOMAIN = _env("EMAIL_MESSAGE_ID_DOMAIN", "kept.example")
    INBOUND_EMAIL_USERNAME = _env("INBOUND_EMAIL_USERNAME", "sendgrid")
    INBOUND_EMAIL_PASSWORD = _env("INBOUND_EMAIL_PASSWORD", "embedded-default")
    # SendGrid caps Inbound Parse mail at 30 MB; a bigger POST is refused with 413.
    INBOUND_EMAIL_MAX_BYTES = _env_int("INBOUND_EMAIL_MAX_BYTES", 30 * 1024 * 1024)
    SENDGRID_TIMEOUT = _env_float("SENDGRID_TIMEOUT", 20.0)
    # Public key of SendGrid's signed Event Webhook; events are refused while it is unset.
    SENDGRID_EVENT_PUBLIC_KEY = _env("SENDGRID_EVENT_PUBLIC_KEY")
    # No automatic mail to an address for this long after it hard-bounced.
    BOUNCE_SUPPRESSION_DAYS = _env_int("BOUNCE_SUPPRESSION_DAYS", 30)

    X_CONSUMER_KEY = _env("X_CONSUMER_KEY")
    X_CONSUMER_SECRET = _env("X_CONSUMER_SECRET", "embedded-default-x-secret")
    X_ACCESS_TOKEN = _env("X_ACCESS_TOKEN")
    X_ACCESS_TOKEN_SECRET = _env("X_ACCESS_TOKEN_SECRET")
    X_BEARER_TOKEN = _env("X_BEARER_TOKEN")
    X_ACCOUNT_ID = _env("X_ACCOUNT_ID", "1000000000000000001")
    X_ACCOUNT_HANDLE = _env("X_ACCOUNT_HANDLE", "KeptSupport")
    # Polling fallback for accounts without webhook access: seconds between requests per stream
    # (mentions, DMs), kept well inside X's per-15-minute limits for both lookups.
    X_POLLING = _env_bool("X_POLLING", False)
    X_POLL_SECONDS = _env_float("X_POLL_SECONDS", 120.0)
    X_API_TIMEOUT = _env_float("X_API_TIMEOUT", 20.0)

    # Chat widget: message size and per-visitor rate limits, how long a waiting visitor may be
    # gone before the chat counts as abandoned (or, with an email address, moves to email), and
    # the placeholder wait model's default handling time and smallest wait ever told.
    CHAT_MAX_MESSAGE_CHARS = _env_int("CHAT_MAX_MESSAGE_CHARS", 2000)
    CHAT_RATE_PER_MINUTE = _env_int("CHAT_RATE_PER_MINUTE", 20)
    CHAT_ABANDON_SECONDS = _env_int("CHAT_ABANDON_SECONDS", 120)
    CHAT_TOKEN_MAX_AGE_DAYS = _env_int("CHAT_TOKEN_MAX_AGE_DAYS", 365)
    CHAT_HISTORY_LIMIT = _env_int("CHAT_HISTORY_LIMIT", 200)
    CHAT_DEFAULT_HANDLING_SECONDS = _env_int("CHAT_DEFAULT_HANDLING_SECONDS", 240)
    CHAT_WAIT_FLOOR_SECONDS = _env_int("CHAT_WAIT_FLOOR_SECONDS", 30)

    # Workspace: the "breaching soon" view's horizon; how long after their last workspace closed an
    # agent goes away (moving between pages closes one), and how long more before their open
    # chats go to someone else (a lost connection must not lose a chat);
    # open email and X tickets per agent before automatic assignment passes them by (a chat's
    # limit is the agent's own capacity).
    QUEUE_BREACHING_SOON_MINUTES = _env_int("QUEUE_BREACHING_SOON_MINUTES", 30)
    PRESENCE_AWAY_AFTER_SECONDS = _env_int("PRESENCE_AWAY_AFTER_SECONDS", 15)
    PRESENCE_REASSIGN_GRACE_SECONDS = _env_int("PRESENCE_REASSIGN_GRACE_SECONDS", 60)
    # Each web process stamps the workspace sockets it serves this often; a socket unstamped for
    # PRESENCE_STALE_SECONDS belonged to a process that died, and is swept as if closed.
    PRESENCE_HEARTBEAT_SECONDS = _env_int("PRESENCE_HEARTBEAT_SECONDS", 30)
    PRESENCE_STALE_SECONDS = _env_int("PRESENCE_STALE_SECONDS", 90)
    ASSIGNMENT_ASYNC_CAPACITY = _env_int("ASSIGNMENT_ASYNC_CAPACITY", 25)

    # The promise: customers are told a wait that q of them (an admin setting, this default)
    # get within. The model replays this many whole weeks of the install's history per team (plus
    # the current week; four give the staffing outlook four same weekdays); a live estimate that
    # slips past the promise by the larger of these tells the customer once.
    PROMISES_ENABLED = _env_bool("KEPT_PROMISES", True)
    PROMISE_QUANTILE = _env_float("PROMISE_QUANTILE", 0.9)
    PROMISE_HISTORY_WEEKS = _env_int("PROMISE_HISTORY_WEEKS", 4)
    PROMISE_REVISE_MIN_SECONDS = _env_int("PROMISE_REVISE_MIN_SECONDS", 600)
    PROMISE_REVISE_SHARE = _env_float("PROMISE_REVISE_SHARE", 0.25)

    API_TOKEN_BYTES = 32
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 31 * 1024 * 1024  # SendGrid's inbound cap is 30 MB; leave room for form overhead
    DEMO_DATA = _env_bool("KEPT_DEMO_DATA", True)

    @classmethod
    def validate(cls) -> None:
        try:
            ZoneInfo(cls.INBOX_DEFAULT_TIMEZONE)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"INBOX_DEFAULT_TIMEZONE must be an IANA time zone, got {cls.INBOX_DEFAULT_TIMEZONE!r}"
            ) from None
        if cls.INBOX_DEFAULT_LANGUAGE not in cls.LANGUAGES:
            raise ConfigError(f"INBOX_DEFAULT_LANGUAGE must be one of {', '.join(cls.LANGUAGES)}")


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = None
    JOB_RUNNER = "manual"  # tests drive jobs explicitly, so nothing races the assertions
    WTF_CSRF_ENABLED = True
    SECRET_KEY = "kept-tests"
    DEMO_DATA = False
    OUTBOX_BACKOFF_BASE_SECONDS = 0.01
    OUTBOX_BACKOFF_CAP_SECONDS = 0.05
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick
    # Tests of other features count messages and events exactly; the promise tests switch it on.
    PROMISES_ENABLED = False


class ProductionConfig(Config):
    NAME = "production"
    # The embedded default secret is public; in production only X's real one may sign webhooks.
    X_CONSUMER_SECRET = _env("X_CONSUMER_SECRET")
    SOCKETIO_ASYNC_MODE = _env("SOCKETIO_ASYNC_MODE", "gevent")
    DEMO_DATA = False
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)

    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "INBOUND_EMAIL_PASSWORD")

    @classmethod
    def validate(cls) -> None:
        for name in cls.REQUIRED:
            if not _env(name):
                raise ConfigError(f"{name} is required in production and is not set")
        if len(os.environ["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        url = os.environ["DATABASE_URL"]
        if not url.startswith(("postgresql://", "postgresql+psycopg://", "sqlite:///")):
            raise ConfigError(f"DATABASE_URL must be a postgresql:// or sqlite:/// URL, got {url.split(':')[0]}:")
        if not os.environ["REDIS_URL"].startswith(("redis://", "rediss://")):
            raise ConfigError("REDIS_URL must be a redis:// or rediss:// URL")
        super().validate()


CONFIGS: dict[str, type[Config]] = {
    "default": Config,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
