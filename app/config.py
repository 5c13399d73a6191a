"""Settings read from the environment, with defaults that let a fresh clone run as it is."""

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_SECRET_KEY = "dev-only-change-me"  # for debugging and tests only: create_app refuses it otherwise
MIN_SECRET_KEY_LENGTH = 32


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Every setting the application reads; each is an environment variable of the same name."""

    def __init__(self) -> None:
        env = os.environ.get
        self.SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'dialtone.db'}")
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.RQ_QUEUE = env("RQ_QUEUE", "dialtone")  # and RQ_QUEUE-carrier, RQ_QUEUE-emails (app.queue)
        self.STATIC_BUILD_DIR = env("STATIC_BUILD_DIR", str(INSTANCE_DIR / "static"))  # app.web.assets
        # Files attached to orders' conversations, outside the web root (app.orders.attachments).
        self.ATTACHMENTS_DIR = env("ATTACHMENTS_DIR", str(INSTANCE_DIR / "attachments"))
        # How often a worker beats and looks for what Redis lost (seconds, between jobs).
        self.WORKER_WATCH_SECONDS = int(env("WORKER_WATCH_SECONDS", "10"))
        self.MAIL_SERVER = env("MAIL_SERVER") or None
        self.MAIL_PORT = int(env("MAIL_PORT", "25"))
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USERNAME = env("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Dialtone <dialtone@example.com>")
        self.BASE_URL = env("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.ENCRYPTION_KEY = env("ENCRYPTION_KEY") or None
        self.COMPANY_TIMEZONE = env("COMPANY_TIMEZONE", DEFAULT_TIMEZONE)
        # The clock starts at this moment (ISO, UTC) and runs on from there: tests and recorded demos (app.clock).
        self.CLOCK_START = env("CLOCK_START") or None
        self.CLOCK_ANCHOR = env("CLOCK_ANCHOR") or None
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None
        self.SQLALCHEMY_RECORD_QUERIES = False
        self.SIMULATOR_PACE_SECONDS = float(env("SIMULATOR_PACE_SECONDS", "20"))
        # Where the demo's API carrier (Fabrikam) sends orders: the carrier sandbox `make run` starts.
        self.CARRIER_SANDBOX_URL = env("CARRIER_SANDBOX_URL", "http://127.0.0.1:5055/orders")
        # Sign-on by a header the company's reverse proxy sets (e.g. REMOTE_USER); unset: password sign-in only.
        self.TRUSTED_USER_HEADER = env("TRUSTED_USER_HEADER") or None
        # Failed sign-ins for one account from one address before each next attempt waits (2, 4, 8 … seconds, at
        # most LOGIN_MAX_WAIT_SECONDS); failed sign-ins per address, whatever the accounts (Flask-Limiter notation).
        self.LOGIN_FREE_ATTEMPTS = int(env("LOGIN_FREE_ATTEMPTS", "5"))
        self.LOGIN_MAX_WAIT_SECONDS = int(env("LOGIN_MAX_WAIT_SECONDS", "300"))
        self.LOGIN_LIMIT_PER_ADDRESS = env("LOGIN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
        # The largest request the portal reads (an inventory import is up to 10 MB, a message three files of
        # 10 MB), and the carrier API's.
        self.MAX_CONTENT_LENGTH = int(env("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024)))
        self.CARRIER_API_MAX_BYTES = int(env("CARRIER_API_MAX_BYTES", str(64 * 1024)))


class InsecureSecretKeyError(RuntimeError):
    """SECRET_KEY is the development default or too short, outside debugging and tests."""


def check_secret_key(config) -> None:
    """Refuse to run with the development SECRET_KEY, or one shorter than 32 characters, unless debugging or testing:
    anyone who knows the key can forge sessions (and, without ENCRYPTION_KEY, read the secrets stored at rest)."""
    if config.get("DEBUG") or config.get("TESTING"):
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        problem = "is the development default" if key == DEFAULT_SECRET_KEY else f"is {len(key)} characters long"
        raise InsecureSecretKeyError(
            f"SECRET_KEY {problem}: Dialtone will not start with it. Set the SECRET_KEY environment variable to a "
            f"random string of at least {MIN_SECRET_KEY_LENGTH} characters, the same for every web and worker "
            'process, e.g. the output of: python -c "import secrets; print(secrets.token_urlsafe(48))" '
            "(`make run` makes one for itself in instance/secret_key)."
        )


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # WAL plus a busy timeout lets the web app and the worker write without tripping over each other.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}
