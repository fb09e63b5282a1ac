"""Settings, validated once at cold start, and secrets through Powertools Parameters (cached).

Every external endpoint comes from configuration, so the same code talks to the real services
and to the local stack. Secrets: when ``<VENDOR>_SECRET_ID`` names a Secrets Manager secret
(JSON), it is read through Powertools Parameters with a cache; otherwise (local stack, tests)
the plain environment variables are used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

SECRET_CACHE_SECONDS = 300


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    state_table: str = Field(alias="STATE_TABLE", min_length=3)
    consent_table: str = Field(alias="CONSENT_TABLE", min_length=3)
    trigger_queue_url: str = Field(default="", alias="TRIGGER_QUEUE_URL")
    triggers_file: str | None = Field(default=None, alias="TRIGGERS_FILE")
    brand_name: str = Field(default="Textloop", alias="BRAND_NAME", min_length=1)
    care_contact: str = Field(default="", alias="CARE_CONTACT")
    phone_default_region: str = Field(default="US", alias="PHONE_DEFAULT_REGION", pattern=r"^[A-Z]{2}$")
    public_base_url: str | None = Field(default=None, alias="PUBLIC_BASE_URL")
    twilio_messaging_service_sid: str = Field(default="", alias="TWILIO_MESSAGING_SERVICE_SID")
    twilio_api_base_url: HttpUrl = Field(default=HttpUrl("https://api.twilio.com"), alias="TWILIO_API_BASE_URL")
    hubspot_api_base_url: HttpUrl = Field(
        default=HttpUrl("https://api.hubapi.com"), alias="HUBSPOT_API_BASE_URL"
    )
    salesforce_instance_url: str = Field(default="", alias="SALESFORCE_INSTANCE_URL")
    salesforce_api_version: str = Field(default="62.0", alias="SALESFORCE_API_VERSION", pattern=r"^\d+\.\d$")
    salesforce_ca_bundle: str | None = Field(default=None, alias="SALESFORCE_CA_BUNDLE")
    lease_seconds: int = Field(default=120, alias="SEND_LEASE_SECONDS", ge=5, le=900)
    webhook_tolerance_seconds: int = Field(default=300, alias="WEBHOOK_TOLERANCE_SECONDS", ge=1, le=3600)

    @field_validator("public_base_url", "triggers_file", "salesforce_ca_bundle", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return value or None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        return cls.model_validate(dict(os.environ if env is None else env))

    @property
    def status_callback_url(self) -> str | None:
        return f"{self.public_base_url.rstrip('/')}/twilio/status" if self.public_base_url else None


class Secrets:
    """One vendor's credentials: Secrets Manager JSON when ``<PREFIX>_SECRET_ID`` is set, else env."""

    def __init__(self, prefix: str, env: Mapping[str, str] | None = None) -> None:
        self._prefix = prefix
        self._env = os.environ if env is None else env

    @cached_property
    def _secret_id(self) -> str | None:
        return self._env.get(f"{self._prefix}_SECRET_ID") or None

    def get(self, key: str) -> str:
        """``key`` is the JSON key in the secret and, upper-cased with the prefix, the env var."""
        if self._secret_id:
            from aws_lambda_powertools.utilities import parameters  # lazy: only deployed paths pay

            values = parameters.get_secret(self._secret_id, transform="json", max_age=SECRET_CACHE_SECONDS)
            if not isinstance(values, dict) or not values.get(key):
                raise RuntimeError(f"secret {self._secret_id} has no '{key}'")
            return str(values[key])
        value = self._env.get(f"{self._prefix}_{key.upper()}")
        if not value:
            raise RuntimeError(f"set {self._prefix}_SECRET_ID or {self._prefix}_{key.upper()}")
        return value
