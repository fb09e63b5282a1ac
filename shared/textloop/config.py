"""Settings, validated once at cold start, and secrets through Powertools Parameters (cached).

Every external endpoint comes from configuration, so the same code talks to the real services
and to the local stack. Secrets: when ``<VENDOR>_SECRET_ID`` names a Secrets Manager secret
(JSON), it is read through Powertools Parameters with a bounded cache (``SECRET_CACHE_SECONDS``)
and read again at once, at most every ``SECRET_RENEW_SECONDS``, after an authentication failure;
otherwise (local stack, tests) the plain environment variables are used. ``Fresh`` holds an object
built from a secret (a client, a validator) and rebuilds it when the secret's value changes, so a
rotated secret takes effect without a cold start.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache, cached_property
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from urllib.parse import urlparse

SECRET_CACHE_SECONDS = 300  # a rotated secret is seen within this age (Powertools max_age)
SECRET_RENEW_SECONDS = 5  # an authentication failure reads the secret again, at most this often

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class ConfigError(ValueError):
    """The environment does not describe a working deployment; every problem is listed."""


def _url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _optional_url(value: str) -> str | None:
    return _url(value) if value else None


def _matching(pattern: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"must match {pattern}")
        return value

    return check


_FIELD = r"[A-Za-z][A-Za-z0-9_]{0,79}"  # a CRM field or property API name
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+(?::\d{{1,5}})?"  # a DNS name, maybe a port
LINKS_OFF = "off"  # LINK_DOMAIN=off: links go as the CRM has them, untracked


def _link_domain(value: str) -> str:
    """A host name (``go.acme.example``: https), an http(s) URL (local stacks), or ``off``."""
    if not value or value.lower() == LINKS_OFF:
        return value.lower()
    if "://" in value:
        return _url(value)
    if not re.fullmatch(_HOST, value):
        raise ValueError("must be a host name (go.example.com), an http(s) URL or off")
    return f"https://{value.lower()}"


def _optional(pattern: str) -> Callable[[str], str]:
    check = _matching(pattern)
    return lambda value: check(value) if value else ""


def _required(value: str) -> str:
    if not value:
        raise ValueError("is required")
    return value


def _boolean(value: str) -> bool:
    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("must be true or false")
    return value.lower() in ("true", "1", "yes")


def _crm_list(value: str) -> tuple[str, ...]:
    crms = tuple(c.strip() for c in value.split(",") if c.strip())
    if not crms or set(crms) - {"salesforce", "hubspot"}:
        raise ValueError("must list salesforce and/or hubspot")
    return crms


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def check(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return check


def _stage_list(value: str) -> tuple[str, ...]:
    """Comma-separated stage values (Salesforce StageName, HubSpot dealstage ids), at least one."""
    stages = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not stages:
        raise ValueError("must name at least one stage")
    return stages


def _setting(env: str, default: str = "", parse: Callable[[str], Any] = str) -> Any:
    return field(default=None, metadata={"env": env, "default": default, "parse": parse})


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, read from the environment and validated once, at cold start.

    A plain dataclass on purpose: pydantic's import alone costs the webhooks about a third of
    their cold-start budget (measured by ``make bench``), and these are a few strings.
    """

    state_table: str = _setting("STATE_TABLE", parse=_required)
    consent_table: str = _setting("CONSENT_TABLE", parse=_required)
    trigger_queue_url: str = _setting("TRIGGER_QUEUE_URL")
    inbound_queue_url: str = _setting("INBOUND_QUEUE_URL")
    twilio_advanced_opt_out: bool = _setting("TWILIO_ADVANCED_OPT_OUT", "false", _boolean)
    reply_crms: tuple[str, ...] = _setting("REPLY_CRMS", "salesforce,hubspot", _crm_list)
    triggers_file: str | None = _setting("TRIGGERS_FILE", parse=lambda v: v or None)
    brand_name: str = _setting("BRAND_NAME", "Textloop", _required)
    care_contact: str = _setting("CARE_CONTACT")
    phone_default_region: str = _setting("PHONE_DEFAULT_REGION", "US", _matching(r"[A-Z]{2}"))
    public_base_url: str | None = _setting("PUBLIC_BASE_URL", parse=_optional_url)
    twilio_messaging_service_sid: str = _setting("TWILIO_MESSAGING_SERVICE_SID")
    twilio_api_base_url: str = _setting("TWILIO_API_BASE_URL", "https://api.twilio.com", _url)
    hubspot_api_base_url: str = _setting("HUBSPOT_API_BASE_URL", "https://api.hubapi.com", _url)
    salesforce_instance_url: str = _setting("SALESFORCE_INSTANCE_URL")
    salesforce_api_version: str = _setting("SALESFORCE_API_VERSION", "62.0", _matching(r"\d+\.\d"))
    salesforce_ca_bundle: str | None = _setting("SALESFORCE_CA_BUNDLE", parse=lambda v: v or None)
    # Above this share of the org's daily API limit (Sforce-Limit-Info), calls pause this long each:
    # the dispatcher delays its messages instead of spending the rest (adapters/limits.py).
    salesforce_api_usage_percent: int = _setting("SALESFORCE_API_USAGE_PERCENT", "90", _int_between(1, 100))
    salesforce_api_pause_seconds: int = _setting(
        "SALESFORCE_API_PAUSE_SECONDS", "300", _int_between(1, 43200)
    )
    lease_seconds: int = _setting("SEND_LEASE_SECONDS", "120", _int_between(5, 900))
    consent_queue_url: str = _setting("CONSENT_QUEUE_URL")
    deferral_group: str = _setting("DEFERRAL_SCHEDULE_GROUP", "default", _matching(r"[0-9a-zA-Z_.-]{1,64}"))
    deferral_target_arn: str = _setting("DEFERRAL_TARGET_ARN")
    deferral_role_arn: str = _setting("DEFERRAL_ROLE_ARN")
    deferral_dead_letter_arn: str = _setting("DEFERRAL_DEAD_LETTER_ARN")
    salesforce_consent_field: str = _setting("SALESFORCE_CONSENT_FIELD", "SMS_Consent__c", _matching(_FIELD))
    salesforce_do_not_call_field: str = _setting(
        "SALESFORCE_DO_NOT_CALL_FIELD", "DoNotCall", _matching(_FIELD)
    )
    salesforce_time_zone_field: str = _setting("SALESFORCE_TIME_ZONE_FIELD", "", _optional(_FIELD))
    salesforce_state_field: str = _setting("SALESFORCE_STATE_FIELD", "MailingState", _matching(_FIELD))
    hubspot_consent_property: str = _setting(
        "HUBSPOT_CONSENT_PROPERTY", "textloop_sms_consent", _matching(_FIELD)
    )
    hubspot_time_zone_property: str = _setting("HUBSPOT_TIME_ZONE_PROPERTY", "hs_timezone", _optional(_FIELD))
    hubspot_state_property: str = _setting("HUBSPOT_STATE_PROPERTY", "state", _matching(_FIELD))
    message_retention_days: int = _setting("MESSAGE_RETENTION_DAYS", "180", _int_between(1, 3650))
    consent_history_inline: int = _setting("CONSENT_HISTORY_INLINE", "50", _int_between(1, 500))
    privacy_queue_url: str = _setting("PRIVACY_QUEUE_URL")
    webhook_tolerance_seconds: int = _setting("WEBHOOK_TOLERANCE_SECONDS", "300", _int_between(1, 3600))
    tenant_secret_prefix: str = _setting(
        "TENANT_SECRET_PREFIX", "textloop", _matching(r"[A-Za-z0-9/_+=.@-]{1,256}")
    )
    tenancy: str = _setting("TENANCY", "multi", _matching(r"single|multi"))
    link_domain: str = _setting("LINK_DOMAIN", parse=_link_domain)
    # Outcomes from the CRM (service_layer/outcomes.py): the queue, the attribution window, closed stages
    outcome_queue_url: str = _setting("OUTCOME_QUEUE_URL")
    attribution_window_days: int = _setting("ATTRIBUTION_WINDOW_DAYS", "30", _int_between(1, 365))
    won_stages: tuple[str, ...] = _setting("OUTCOME_WON_STAGES", "Closed Won,closedwon", _stage_list)
    lost_stages: tuple[str, ...] = _setting("OUTCOME_LOST_STAGES", "Closed Lost,closedlost", _stage_list)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        problems: list[str] = []
        for spec in fields(cls):
            name = spec.metadata["env"]
            raw = source.get(name, "").strip() or spec.metadata["default"]
            try:
                values[spec.name] = spec.metadata["parse"](raw)
            except ValueError as exc:
                problems.append(f"{name} {exc}")
        if problems:
            raise ConfigError("invalid configuration: " + "; ".join(problems))
        return cls(**values)

    @property
    def link_base_url(self) -> str | None:
        """Where tracked links point: ``https://<LINK_DOMAIN>`` (or LINK_DOMAIN itself when it is a
        URL), else the API's public URL; None (no tracking) when LINK_DOMAIN is ``off`` or neither is set."""
        if self.link_domain == LINKS_OFF:
            return None
        return self.link_domain or self.public_base_url

    @property
    def status_callback_url(self) -> str | None:
        return f"{self.public_base_url}/twilio/status" if self.public_base_url else None


class SecretNotFound(LookupError):
    """Secrets Manager has no secret of that name (``ResourceNotFoundException``)."""


def _not_found(exc: BaseException) -> bool:
    """Powertools wraps the client's error in ``GetParameterError(str(exc))``: look at the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
        if code == "ResourceNotFoundException" or "ResourceNotFoundException" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@cache
def _secrets_provider() -> Any:
    """Powertools' Secrets Manager provider (its cache bounds a secret's age) on a client of boto3's
    default session: ``parameters.get_secret`` would build a second session at the cold start, whose
    loaders read botocore's endpoint and model files again. Lazy: only deployed paths pay."""
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=boto3.client("secretsmanager"))


class Secrets:
    """One vendor's credentials: Secrets Manager JSON when ``<PREFIX>_SECRET_ID`` is set, else env.

    From the environment, JSON key ``k`` is ``<PREFIX>_<K>``; ``<PREFIX>_<K>_FILE`` names a file holding
    it (a PEM key). ``force`` reads the secret again now (after an authentication failure), at most once
    every ``SECRET_RENEW_SECONDS`` per secret; otherwise Powertools' cache answers for ``max_age``.
    ``secret_id`` names the secret directly (a tenant's, by convention); a secret that does not exist
    raises ``SecretNotFound``.
    """

    _forced: ClassVar[dict[str, float]] = {}  # secret id → monotonic time of its last forced read
    _forced_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        prefix: str,
        env: Mapping[str, str] | None = None,
        max_age: int = SECRET_CACHE_SECONDS,
        provider: Any = None,
        secret_id: str | None = None,
    ) -> None:
        self._prefix = prefix
        self._env = os.environ if env is None else env
        self._max_age = max_age
        self._provider = provider  # a Powertools BaseProvider (tests); None: parameters.get_secret
        self._explicit_id = secret_id

    @cached_property
    def _secret_id(self) -> str | None:
        return self._explicit_id or self._env.get(f"{self._prefix}_SECRET_ID") or None

    def values(self, force: bool = False) -> dict[str, str]:
        """Every key of the secret (non-empty values, as strings)."""
        if self._secret_id:
            values = self._fetch(self._secret_id, force and self._may_force(self._secret_id))
            if not isinstance(values, dict):
                raise RuntimeError(f"secret {self._secret_id} is not a JSON object")
            return {str(k): str(v) for k, v in values.items() if v not in (None, "")}
        head = f"{self._prefix}_"
        found: dict[str, str] = {}
        for name, value in self._env.items():
            if not name.startswith(head) or not value or name == f"{head}SECRET_ID":
                continue
            key = name[len(head) :].lower()
            if key.endswith("_file"):
                found.setdefault(key[: -len("_file")], Path(value).read_text(encoding="utf-8"))
            else:
                found[key] = value
        return found

    def get(self, key: str) -> str:
        """``key`` is the JSON key in the secret and, upper-cased with the prefix, the env var."""
        value = self.values().get(key)
        if not value:
            if self._secret_id:
                raise RuntimeError(f"secret {self._secret_id} has no '{key}'")
            raise RuntimeError(f"set {self._prefix}_SECRET_ID or {self._prefix}_{key.upper()}")
        return value

    def _fetch(self, secret_id: str, force: bool) -> Any:
        try:
            if self._provider is not None:
                return self._provider.get(
                    secret_id, transform="json", max_age=self._max_age, force_fetch=force
                )
            return _secrets_provider().get(
                secret_id, transform="json", max_age=self._max_age, force_fetch=force
            )
        except Exception as exc:
            if _not_found(exc):
                raise SecretNotFound(f"no secret {secret_id}") from exc
            raise

    @classmethod
    def _may_force(cls, secret_id: str) -> bool:
        now = time.monotonic()
        with cls._forced_lock:
            last = cls._forced.get(secret_id)
            if last is not None and now - last < SECRET_RENEW_SECONDS:
                return False
            cls._forced[secret_id] = now
            return True


def tenant_secrets(
    vendor: str, account: str, prefix: str, env: Mapping[str, str] | None = None, provider: Any = None
) -> Secrets:
    """One tenant's credentials, named by convention. Deployed (``<VENDOR>_SECRET_ID`` set): the secret
    ``<prefix>/<vendor>/<account>``; locally: the variables ``<VENDOR>_<ACCOUNT>_<K>`` (account upper-cased),
    e.g. ``HUBSPOT_24681357_ACCESS_TOKEN``."""
    source = os.environ if env is None else env
    if source.get(f"{vendor}_SECRET_ID"):
        secret_id = f"{prefix}/{vendor.lower()}/{account}"
        return Secrets(vendor, source, provider=provider, secret_id=secret_id)
    return Secrets(f"{vendor}_{re.sub(r'[^A-Z0-9]', '_', account.upper())}", source, provider=provider)


def tenant_credentials(
    vendor: str,
    account: str,
    prefix: str,
    tenancy: str = "multi",
    env: Mapping[str, str] | None = None,
    provider: Any = None,
) -> tuple[Secrets, bool] | None:
    """Whose credentials answer for *account* (a Salesforce org id, a HubSpot portal id), and whether they
    are the vendor's default secret. An account's own secret first; else the default secret when it
    serves that account: its ``account`` key lists it (comma-separated), or it has no ``account`` key (a
    single-tenant deployment: every account). None: nobody's (``unknown_tenant``). No account (an event or
    a message recorded before accounts were) or ``tenancy`` single: the default secret."""
    default = Secrets(vendor, env, provider=provider)
    if not account or tenancy == "single":
        return default, True
    own = tenant_secrets(vendor, account, prefix, env, provider)
    try:
        if own.values():
            return own, False
    except SecretNotFound:
        pass
    try:
        served = default.values().get("account")
    except SecretNotFound:
        return None
    if served is None or account in {a.strip() for a in served.split(",")}:
        return default, True
    return None


class BoundedCache(Generic[T]):
    """At most ``size`` entries (the least recently used leaves first), each kept at most ``max_age``
    seconds: one object per tenant without keeping a credential, or a tenant's absence, forever."""

    def __init__(self, size: int, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._size, self._max_age, self._clock = size, max_age, clock
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self._max_age:
                self._entries.move_to_end(key)
                return entry[1]
        value = build()  # outside the lock: a slow build does not hold up other tenants
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


class Renewable(Protocol[T_co]):
    """Something built from credentials: the current one, or a new one after an authentication failure."""

    def get(self) -> T_co: ...

    def renew(self) -> T_co | None:
        """Read the credentials again now; the rebuilt object if they changed, else None."""
        ...


class Fixed(Generic[T]):
    """A Renewable that never changes (tests, a client built by hand)."""

    def __init__(self, value: T) -> None:
        self._value = value

    def get(self) -> T:
        return self._value

    def renew(self) -> T | None:
        return None


class Fresh(Generic[T]):
    """An object built from a secret's current value, rebuilt when that value changes.

    ``read(force)`` returns the secret (``Secrets.values``: Powertools' bounded cache, so looking costs a
    dictionary lookup); ``build`` turns it into the object. Nothing outlives a rotation by more than the
    cache age, and ``renew()`` (after an authentication failure) looks at once.
    """

    def __init__(
        self, read: Callable[[bool], Mapping[str, str]], build: Callable[[Mapping[str, str]], T]
    ) -> None:
        self._read = read
        self._build = build
        self._lock = threading.Lock()
        self._values: dict[str, str] | None = None
        self._value: T | None = None

    def get(self) -> T:
        return self._refresh(force=False)[0]

    def renew(self) -> T | None:
        value, changed = self._refresh(force=True)
        return value if changed else None

    def _refresh(self, force: bool) -> tuple[T, bool]:
        values = dict(self._read(force))
        with self._lock:
            if self._value is not None and values == self._values:
                return self._value, False
            self._value, self._values = self._build(values), values
            return self._value, True
