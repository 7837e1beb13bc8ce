"""The one place settings are read.

Every variable of the settings table (docs/settings.md) is read here, typed, and
validated. A bad value raises :class:`SettingsError` whose message is one line naming the
variable; the CLI turns it into exit code 2.

Settings are read when asked for (``Settings.from_env()``), never at import time, so tests
and Airflow tasks can set the environment first.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

from ground import __version__
from ground.core.editions import DEFAULT_EDITION, EDITIONS, UnknownEdition, edition

PROJECT_URL = "https://github.com/yonhap-fr-pipeline/yonhap-pipeline"
# The feed is never polled more often than this, whatever YONHAP_POLL_SECONDS says.
MIN_POLL_SECONDS = 30.0

DEFAULT_USER_AGENT = f"yonhap-pipeline/{__version__} (+{PROJECT_URL}; news archive crawler)"

# Where the embedded local stack keeps its data (survives restarts); override for tests.
DEFAULT_LOCAL_DIR = Path(__file__).resolve().parents[2] / ".local"  # the repo root

# The local stack's servers listen here unless YONHAP_BIND_HOST says otherwise.
LOOPBACK = "127.0.0.1"

# The public web archives a run with `--source archive|auto` reads (scrapers/webarchive/).
DEFAULT_CC_INDEX_URL = "https://index.commoncrawl.org"
DEFAULT_CC_DATA_URL = "https://data.commoncrawl.org"
DEFAULT_WAYBACK_URL = "https://web.archive.org"

# Browser and framework defaults we must never present to the site.
_FORBIDDEN_UA_MARKERS = ("mozilla/", "chrome/", "safari/", "scrapy/")


class SettingsError(ValueError):
    """A setting has a bad value; ``str(err)`` is one line naming the variable."""


def _env(name: str, env: dict[str, str]) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _number(name: str, env: dict[str, str], default, convert, kind: str, minimum, maximum=None):
    raw = _env(name, env)
    if raw is None:
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not {kind}") from None
    if not value >= minimum or (maximum is not None and value > maximum):  # `not >=`: NaN fails too
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise SettingsError(f"{name}={raw!r} must be {bound}")
    return value


def _float(name: str, env: dict[str, str], default: float, minimum: float = 0.0) -> float:
    return _number(name, env, default, float, "a number", minimum)


def env_int(name: str, env: dict[str, str], default: int, minimum: int = 1, maximum: int | None = None) -> int:
    return _number(name, env, default, int, "an integer", minimum, maximum)


def env_http_url(name: str, env: dict[str, str], default: str | None) -> str | None:
    raw = _env(name, env)
    if raw is None:
        return default
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{name}={raw!r} must be an http(s) URL like https://host[:port]")
    return raw.rstrip("/")


_EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$|^[^@\s,;<>]+@localhost$")


def _emails(name: str, env: dict[str, str]) -> tuple[str, ...]:
    raw = _env(name, env)
    if raw is None:
        return ()
    found = tuple(a for a in re.split(r"[,;\s]+", raw) if a)
    bad = [a for a in found if not _EMAIL_RE.match(a)]
    if bad:
        raise SettingsError(f"{name}={raw!r}: {bad[0]!r} is not an e-mail address (comma-separated list)")
    return found


def _smtp_url(name: str, env: dict[str, str]) -> str | None:
    raw = _env(name, env)
    if raw is None:
        return None
    parsed = urlparse(raw)
    shown = raw.replace(f":{parsed.password}@", ":…@") if parsed.password else raw  # never echo a password
    try:
        parsed.port  # noqa: B018 -- raises on a bad port
    except ValueError:
        raise SettingsError(f"{name}={shown!r} has a bad port") from None
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise SettingsError(f"{name}={shown!r} must be smtp://host[:port] (or smtps://, with user:password@ if needed)")
    return raw


def _database_url(name: str, env: dict[str, str]) -> str | None:
    raw = _env(name, env)
    if raw is None:
        return None
    if urlparse(raw).scheme not in ("postgresql", "postgres"):
        raise SettingsError(f"{name}={raw!r} must start with postgresql://")
    return raw


def _bucket(name: str, env: dict[str, str], default: str) -> str:
    raw = _env(name, env) or default
    # S3 bucket naming rules (lowercase, digits, dots, hyphens; 3-63 chars).
    ok = 3 <= len(raw) <= 63 and raw[0].isalnum() and raw[-1].isalnum() and all(
        c.islower() or c.isdigit() or c in ".-" for c in raw
    )
    if not ok:
        raise SettingsError(f"{name}={raw!r} is not a valid S3 bucket name (3-63 chars: a-z 0-9 . -)")
    return raw


def _bind_host(name: str, env: dict[str, str]) -> str:
    raw = _env(name, env)
    if raw is None:
        return LOOPBACK
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} must be an IP address (127.0.0.1, 0.0.0.0, ::1 ...)") from None
    return raw


def connect_host(bind_host: str) -> str:
    """Where a client reaches a server bound to ``bind_host`` (a wildcard: over loopback)."""
    return LOOPBACK if ipaddress.ip_address(bind_host).is_unspecified else bind_host


def site_root(url: str) -> str:
    """``scheme://host[:port]`` of a site URL, lowercased, without a default port or a path."""
    parts = urlparse(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    return f"{parts.scheme.lower()}://{host}"


# The live sites: each edition's own (https://fr.yna.co.kr, https://en.yna.co.kr). Any other
# site root (the bundled replica, a test server) is a test site; a database holds one kind
# (storage/sites.py), so replica pages never land beside live ones.
LIVE_SITES = tuple(site_root(e.base_url) for e in EDITIONS.values())


def is_live_site(url: str) -> bool:
    return site_root(url) in LIVE_SITES


def _edition(name: str, env: dict[str, str]) -> str:
    raw = _env(name, env)
    if raw is None:
        return DEFAULT_EDITION
    try:
        return edition(raw).code
    except UnknownEdition:
        raise SettingsError(f"{name}={raw!r} must be one of {', '.join(EDITIONS)}") from None


def _user_agent(name: str, env: dict[str, str]) -> str:
    raw = _env(name, env)
    if raw is None:
        return DEFAULT_USER_AGENT
    lowered = raw.lower()
    if any(marker in lowered for marker in _FORBIDDEN_UA_MARKERS):
        raise SettingsError(
            f"{name}={raw!r} looks like a browser or Scrapy default; identify the crawler honestly"
        )
    if "http" not in lowered and "@" not in lowered:
        raise SettingsError(f"{name}={raw!r} must include a contact URL or e-mail")
    return raw


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment (see docs/settings.md)."""

    # Which Yonhap edition (ground.core.editions): fr (default, the contract) or en.
    edition: str = DEFAULT_EDITION
    # Site root; the default follows the edition (https://fr.yna.co.kr, https://en.yna.co.kr).
    base_url: str = EDITIONS[DEFAULT_EDITION].base_url
    download_delay: float = 1.0
    concurrency: int = 2
    # Seconds between two polls of the feed by the Airflow triggerer (each poll: one request).
    poll_seconds: float = 60.0
    user_agent: str = DEFAULT_USER_AGENT
    # None means "start the embedded local service" (devtools.stack.services).
    database_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_bucket: str = "yonhap-fr"
    # None: the local S3 endpoint's own generated keys (ground.adapters.local_stack), or for
    # another endpoint / AWS boto3's usual credential chain.
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_region: str = "us-east-1"
    # True when S3_ENDPOINT_URL was explicitly set to empty: talk to AWS itself.
    s3_use_aws: bool = False
    local_dir: Path = field(default=DEFAULT_LOCAL_DIR)
    # TCP ports of the embedded local stack, and the address its servers bind (YONHAP_BIND_HOST).
    pg_port: int = 55432
    s3_port: int = 59000
    # Alerts (pipeline.run.alerts): where a red run is told, and how often a lasting one again.
    alert_webhook: str | None = None
    alert_email: tuple[str, ...] = ()
    smtp_url: str | None = None
    alert_from: str = "yonhap-pipeline@localhost"
    alert_remind_hours: float = 6.0
    # The watchdog calls the ingest stale after this many hours without a loaded article, when
    # the same hours of the days before had some (pipeline.run.watchdog).
    stale_after_hours: float = 3.0
    bind_host: str = LOOPBACK
    # The demo's replica site (`stack up --demo`).
    replica_port: int = 8800
    # Local Airflow's log server (task and trigger logs over HTTP); None: a free port per `stack up`.
    log_server_port: int | None = None
    # Web archives (`run --source archive|auto`): Common Crawl's CDX index server and data
    # server, the Wayback Machine; seconds between two requests to one archive host.
    cc_index_url: str = DEFAULT_CC_INDEX_URL
    cc_data_url: str = DEFAULT_CC_DATA_URL
    wayback_url: str = DEFAULT_WAYBACK_URL
    archive_delay: float = 1.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, for_edition: str | None = None) -> Settings:
        """The settings of YONHAP_EDITION, or of ``for_edition`` (a DAG's or a --edition option's).

        An edition's site root: YONHAP_BASE_URL_<EDITION> (YONHAP_BASE_URL_EN, …) when set, else
        YONHAP_BASE_URL when that edition is YONHAP_EDITION, else the edition's own site.
        """
        env = dict(os.environ if env is None else env)
        s3_raw = env.get("S3_ENDPOINT_URL")
        configured = _edition("YONHAP_EDITION", env)
        try:
            code = configured if for_edition is None else edition(for_edition).code
        except UnknownEdition as err:
            raise SettingsError(str(err)) from None
        site = edition(code).base_url
        if code == configured:
            site = env_http_url("YONHAP_BASE_URL", env, site) or site
        own = f"YONHAP_BASE_URL_{code.upper()}"
        return cls(
            edition=code,
            base_url=env_http_url(own, env, site) or site,
            download_delay=_float("YONHAP_DOWNLOAD_DELAY", env, cls.download_delay),
            concurrency=env_int("YONHAP_CONCURRENCY", env, cls.concurrency, 1, 64),
            poll_seconds=_float("YONHAP_POLL_SECONDS", env, cls.poll_seconds, MIN_POLL_SECONDS),
            user_agent=_user_agent("YONHAP_USER_AGENT", env),
            database_url=_database_url("DATABASE_URL", env),
            s3_endpoint_url=env_http_url("S3_ENDPOINT_URL", env, None),
            s3_bucket=_bucket("S3_BUCKET", env, cls.s3_bucket),
            aws_access_key_id=_env("AWS_ACCESS_KEY_ID", env),
            aws_secret_access_key=_env("AWS_SECRET_ACCESS_KEY", env),
            aws_region=_env("AWS_DEFAULT_REGION", env) or cls.aws_region,
            s3_use_aws=s3_raw is not None and not s3_raw.strip(),
            local_dir=Path(_env("YONHAP_LOCAL_DIR", env) or DEFAULT_LOCAL_DIR),
            pg_port=env_int("YONHAP_PG_PORT", env, cls.pg_port, 1, 65535),
            s3_port=env_int("YONHAP_S3_PORT", env, cls.s3_port, 1, 65535),
            alert_webhook=env_http_url("YONHAP_ALERT_WEBHOOK", env, None),
            alert_email=_emails("YONHAP_ALERT_EMAIL", env),
            smtp_url=_smtp_url("YONHAP_SMTP_URL", env),
            alert_from=(_emails("YONHAP_ALERT_FROM", env) or (cls.alert_from,))[0],
            alert_remind_hours=_float("YONHAP_ALERT_REMIND_HOURS", env, cls.alert_remind_hours, 0.0),
            stale_after_hours=_float("YONHAP_STALE_AFTER_HOURS", env, cls.stale_after_hours, 0.25),
            bind_host=_bind_host("YONHAP_BIND_HOST", env),
            replica_port=env_int("YONHAP_REPLICA_PORT", env, cls.replica_port, 1, 65535),
            log_server_port=env_int("YONHAP_LOG_SERVER_PORT", env, 0, 1, 65535) or None,
            cc_index_url=env_http_url("YONHAP_CC_INDEX_URL", env, DEFAULT_CC_INDEX_URL),
            cc_data_url=env_http_url("YONHAP_CC_DATA_URL", env, DEFAULT_CC_DATA_URL),
            wayback_url=env_http_url("YONHAP_WAYBACK_URL", env, DEFAULT_WAYBACK_URL),
            archive_delay=_float("YONHAP_ARCHIVE_DELAY", env, cls.archive_delay),
        )

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @property
    def profile(self):
        """The edition's profile (ground.core.editions.Edition)."""
        return edition(self.edition)

    @property
    def needs_local_postgres(self) -> bool:
        return self.database_url is None

    @property
    def needs_local_s3(self) -> bool:
        return self.s3_endpoint_url is None and not self.s3_use_aws

    @property
    def live_site(self) -> bool:
        """Whether ``base_url`` is the edition's live site (else a test site: the replica)."""
        return is_live_site(self.base_url)

    @property
    def demo_dir(self) -> Path:
        """Where `make demo` keeps its own stack: apart from `make run`'s data."""
        return Path(self.local_dir) / "demo"
