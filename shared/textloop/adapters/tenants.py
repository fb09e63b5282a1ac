"""TenantDirectory: the Salesforce orgs and HubSpot portals installed with credentials of their own.

They are found where ``config.tenant_secrets`` reads a tenant's credentials. Deployed (``<VENDOR>_SECRET_ID``
set): the secrets named ``<prefix>/salesforce/<orgId>`` and ``<prefix>/hubspot/<portalId>``, listed with
Secrets Manager's ListSecrets (every page, filtered by name prefix; secrets scheduled for deletion are not
listed). Locally: the variables ``<VENDOR>_<ACCOUNT>_<KEY>`` (``HUBSPOT_13572468_ACCESS_TOKEN``).
``TENANCY=single``: every org and portal uses the default credentials, so no tenant is listed.
A name that is not an account id of its CRM (a backup, a typo) is left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from textloop.domain.errors import StoreUnavailable
from textloop.domain.model import Crm

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

# An account id as a secret name holds it: a HubSpot portal id, a Salesforce org id (15 or 18 characters).
ACCOUNT_IDS: dict[str, re.Pattern[str]] = {
    "hubspot": re.compile(r"[0-9]{1,20}"),
    "salesforce": re.compile(r"00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?"),
}
_CASE_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _secrets_manager() -> SecretsManagerClient:
    import boto3

    return boto3.client("secretsmanager")


class SecretsManagerTenants:
    """The ``<prefix>/<crm>/<account>`` secrets (ListSecrets, paged, filtered by name prefix)."""

    def __init__(
        self, prefix: str, client: Callable[[], Any] = _secrets_manager, page_size: int = 100
    ) -> None:
        self.prefix = prefix.rstrip("/")
        self._client_factory = client
        self._client: Any = None
        self._page_size = page_size  # ListSecrets answers at most 100 a page

    def accounts(self, crm: Crm) -> list[str]:
        head = f"{self.prefix}/{crm}/"
        found = {name[len(head) :] for name in self._names(head)}
        return sorted(a for a in found if ACCOUNT_IDS[crm].fullmatch(a))

    def _names(self, head: str) -> Iterator[str]:
        if self._client is None:
            self._client = self._client_factory()
        try:
            pages = self._client.get_paginator("list_secrets").paginate(
                Filters=[{"Key": "name", "Values": [head]}],  # a case-sensitive prefix match
                PaginationConfig={"PageSize": self._page_size},
            )
            for page in pages:
                for secret in page.get("SecretList", []):
                    name = str(secret.get("Name", ""))
                    if name.startswith(head):
                        yield name
        except ClientError as exc:
            raise StoreUnavailable(
                f"Secrets Manager ListSecrets failed: {exc.response['Error']['Code']}"
            ) from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"Secrets Manager ListSecrets failed: {type(exc).__name__}") from None


class EnvironmentTenants:
    """Locally: the accounts named by ``<VENDOR>_<ACCOUNT>_<KEY>`` variables (account upper-cased, as
    ``config.tenant_secrets`` reads them; an 18-character Salesforce id gets its case back from its suffix)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env

    def accounts(self, crm: Crm) -> list[str]:
        head = f"{crm.upper()}_"
        found: set[str] = set()
        for name, value in self._env.items():
            if not (name.startswith(head) and value):
                continue
            account = name[len(head) :].split("_", 1)[0]
            if "_" in name[len(head) :] and ACCOUNT_IDS[crm].fullmatch(account):
                found.add(_case_restored(account) if crm == "salesforce" else account)
        return sorted(found)


class InstalledTenants:
    """Per CRM, where ``config.tenant_secrets`` looks: Secrets Manager when the vendor's default secret is
    one (``<VENDOR>_SECRET_ID``), else the environment."""

    def __init__(
        self,
        prefix: str,
        tenancy: str = "multi",
        env: Mapping[str, str] | None = None,
        client: Callable[[], Any] = _secrets_manager,
    ) -> None:
        self._env = os.environ if env is None else env
        self._single = tenancy == "single"
        self._deployed = SecretsManagerTenants(prefix, client)
        self._local = EnvironmentTenants(self._env)

    def accounts(self, crm: Crm) -> list[str]:
        if self._single:
            return []
        source = self._deployed if self._env.get(f"{crm.upper()}_SECRET_ID") else self._local
        return source.accounts(crm)


def _case_restored(org_id: str) -> str:
    """An 18-character Salesforce id whose letters were upper-cased, as it was: its last three characters
    say which of the first fifteen are capitals. A 15-character id is returned as given."""
    if len(org_id) != 18:
        return org_id
    chars = list(org_id[:15])
    for block, code in enumerate(org_id[15:].upper()):
        bits = _CASE_SUFFIX.find(code)
        if bits < 0:
            return org_id
        for i in range(5):
            at = block * 5 + i
            chars[at] = chars[at].upper() if bits & (1 << i) else chars[at].lower()
    return "".join(chars) + org_id[15:]
