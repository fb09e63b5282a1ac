"""``textloop doctor``: check a configuration end to end, and say how to fix what is wrong.

    textloop doctor [--stack-url URL | --stack-name NAME [--region R]] [--triggers FILE] [--event-bus NAME]

It reads the environment the functions read (``Settings.from_env`` and ``Secrets``):

- ``--stack-url http://127.0.0.1:PORT``: a local stack (``textloop serve``); the environment is
  ``GET /_local/env`` (moto endpoint, local credentials, the emulators' URLs);
- ``--stack-name NAME``: a deployed stack, with your default AWS credentials; the environment is the
  DispatcherFunction's (``lambda get-function-configuration``), its secrets come from Secrets Manager, and
  the stack's outputs and resources name the inbound URL, the EventBridge rule and the dead-letter queues;
- neither: this process's environment, as a function would see it (``--event-bus`` or
  ``SALESFORCE_EVENT_BUS_NAME`` names the bus of the Salesforce rule).

Each check prints ``PASS name — detail``, ``FAIL name — detail`` followed by ``fix: …``, or ``SKIP name —
why`` when an earlier check it needs did not pass. Secrets and phone numbers are never printed. Exit codes:
0 every check passed (or was skipped), 1 a check failed, 2 the stack could not be read at all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from textloop_local.stack_access import Unusable
from textloop_local.stack_access import local_env as _local_env

DEFAULT_REGION = "us-east-1"
LOCAL_EVENT_BUS = "salesforce-event-relay"  # textloop_local.serve.LOCAL_EVENT_BUS
LOCAL_RULE = "SalesforceChangeRule"
TIMEOUT = (3.05, 10.0)
REPO = Path(__file__).resolve().parents[3]

PERMISSION_SET = "Textloop_Integration"
CHANGE_CHANNEL = "Textloop_Changes"  # PlatformEventChannel Textloop_Changes__chn (infra/salesforce)
CHANGE_EVENTS = {"opportunity": "OpportunityChangeEvent", "case": "CaseChangeEvent"}
SOBJECTS = {"opportunity": "Opportunity", "case": "Case", "contract": "Contract"}
HUBSPOT_OBJECTS = {"deal": "deals", "ticket": "tickets"}
# The scopes of the Textloop HubSpot app (infra/hubspot/src/app/app-hsmeta.json, requiredScopes).
HUBSPOT_SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.deals.read",
    "tickets",
    "crm.objects.owners.read",
)
# (source queue logical id, its env variable, its dead-letter queue logical id)
QUEUES = (
    ("TriggerQueue", "TRIGGER_QUEUE_URL", "TriggerDeadLetterQueue"),
    ("InboundQueue", "INBOUND_QUEUE_URL", "InboundDeadLetterQueue"),
    ("ConsentQueue", "CONSENT_QUEUE_URL", "ConsentDeadLetterQueue"),
    ("PrivacyQueue", "PRIVACY_QUEUE_URL", "PrivacyDeadLetterQueue"),
)
DLQ_FIX = {
    "TriggerDeadLetterQueue": "triggers failed 5 times: find the reason in the DispatcherFunction logs "
    "(the event's outcome), fix it, then redrive",
    "InboundDeadLetterQueue": "replies failed 5 times: find the reason in the ReplyRouterFunction logs, "
    "fix it, then redrive",
    "ConsentDeadLetterQueue": "opt-outs are waiting to be written: fix the ConsentTable (ConsentWriterFunction "
    "logs), then redrive",
    "PrivacyDeadLetterQueue": "HubSpot privacy deletions are waiting: fix the cause (PrivacyEraserFunction "
    "logs), then redrive, or erase the numbers with `textloop privacy erase`",
}


# Secret keys whose values are credentials (never printed); the others (auth, username, URLs) are not.
CREDENTIAL_KEYS = frozenset(
    {
        "auth_token",
        "auth_token_secondary",
        "api_secret",
        "private_key",
        "consumer_secret",
        "access_token",
        "client_secret",
        "refresh_token",
        "hash_key",
    }
)


class Failed(Exception):
    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


class Skipped(Exception):
    pass


@dataclass(frozen=True)
class Result:
    status: str  # PASS, FAIL, SKIP
    name: str
    detail: str
    fix: str = ""


@dataclass
class Target:
    """What to check: the functions' environment and where the stack's AWS pieces are."""

    name: str
    env: Mapping[str, str]
    aws: dict[str, Any]  # boto3 client arguments
    inbound_url: str | None = None  # the Messaging Service's expected incoming-message URL
    event_bus: str | None = None
    rule_name: str | None = None  # None: the rule on event_bus that targets TriggerQueue
    dead_letter_queues: dict[str, str] = field(default_factory=dict)  # logical id → URL (deployed)
    secrets_provider: Any = None  # Powertools SecretsProvider for a deployed stack


# --------------------------------------------------------------------------------------- the command


def add_doctor(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "check a configuration end to end: secrets, CRMs, Twilio, EventBridge, dead-letter queues"
    p = sub.add_parser("doctor", help=text, description=text)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--stack-url", help="a local stack (textloop serve), e.g. http://127.0.0.1:8787")
    where.add_argument("--stack-name", help="a deployed stack (CloudFormation), default AWS credentials")
    p.add_argument("--region", default=None, help="AWS region of --stack-name (default: your AWS config)")
    p.add_argument("--triggers", default=None, help="the rules file, when TRIGGERS_FILE is not readable here")
    p.add_argument("--event-bus", default=None, help="the Salesforce partner event bus (environment mode)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        target = resolve(args.stack_url, args.stack_name, args.region, os.environ, args.event_bus)
    except Unusable as exc:
        print(f"textloop doctor: {exc}", file=sys.stderr)
        return 2
    doctor = Doctor(target, triggers=args.triggers)
    results = doctor.run(echo=lambda line: print(line, flush=True))
    failed = sum(r.status == "FAIL" for r in results)
    passed = sum(r.status == "PASS" for r in results)
    skipped = sum(r.status == "SKIP" for r in results)
    print(f"\n{target.name}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m textloop_local.doctor …``: the same command without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="textloop")
    add_doctor(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["doctor", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


# -------------------------------------------------------------------------------- finding the stack


def resolve(
    stack_url: str | None,
    stack_name: str | None,
    region: str | None,
    env: Mapping[str, str],
    event_bus: str | None = None,
) -> Target:
    if stack_url:
        stack = _local_env(stack_url)
        public = stack.get("PUBLIC_BASE_URL", "").rstrip("/")
        return Target(
            name=f"the local stack {stack_url}",
            env=stack,
            aws={
                "endpoint_url": stack.get("AWS_ENDPOINT_URL") or _missing("AWS_ENDPOINT_URL", stack_url),
                "region_name": stack.get("AWS_REGION") or stack.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
                "aws_access_key_id": stack.get("AWS_ACCESS_KEY_ID", "testing"),
                "aws_secret_access_key": stack.get("AWS_SECRET_ACCESS_KEY", "testing"),
            },
            inbound_url=f"{public}/twilio/inbound" if public else None,
            event_bus=event_bus or LOCAL_EVENT_BUS,
            rule_name=LOCAL_RULE,
        )
    aws: dict[str, Any] = {"region_name": region} if region else {}
    if stack_name:
        return _deployed(stack_name, aws)
    public = env.get("PUBLIC_BASE_URL", "").rstrip("/")
    return Target(
        name="this environment",
        env=env,
        aws=aws,
        inbound_url=f"{public}/twilio/inbound" if public else None,
        event_bus=event_bus or env.get("SALESFORCE_EVENT_BUS_NAME") or None,
    )


def _missing(name: str, where: str) -> str:
    raise Unusable(f"{name} is not set in {where}")


def _deployed(name: str, aws: dict[str, Any]) -> Target:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        cloudformation = boto3.client("cloudformation", **aws)
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        resources = {
            r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
            for r in cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        }
        function = resources.get("DispatcherFunction") or _missing("DispatcherFunction", f"stack {name}")
        configuration = boto3.client("lambda", **aws).get_function_configuration(FunctionName=function)
    except (BotoCoreError, ClientError) as exc:
        raise Unusable(f"cannot read the stack {name}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    env = dict((configuration.get("Environment") or {}).get("Variables") or {})
    public = env.get("PUBLIC_BASE_URL", "").rstrip("/")
    bus, rule = _rule_location(
        resources.get("SalesforceChangeRule", ""), outputs.get("SalesforceChangeRuleArn", "")
    )
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return Target(
        name=f"the stack {name}",
        env=env,
        aws=aws,
        inbound_url=f"{public}/twilio/inbound" if public else outputs.get("TwilioInboundUrl"),
        event_bus=bus,
        rule_name=rule,
        dead_letter_queues={dlq: resources[dlq] for _, _, dlq in QUEUES if resources.get(dlq)},
        secrets_provider=SecretsProvider(boto3_client=boto3.client("secretsmanager", **aws)),
    )


def _rule_location(physical_id: str, arn: str) -> tuple[str | None, str | None]:
    """(bus, rule name) of the SalesforceChangeRule: its physical id is ``bus|name`` on a custom bus;
    its ARN ``arn:aws:events:…:rule/<bus>/<name>`` (a partner bus name holds slashes itself)."""
    if "|" in physical_id:
        bus, rule = physical_id.split("|", 1)
        return bus, rule
    if ":rule/" in arn:
        path = arn.split(":rule/", 1)[1]
        bus, _, rule = path.rpartition("/")
        return bus or "default", rule
    return None, physical_id or None


# ------------------------------------------------------------------------------------------ checks


class Doctor:
    def __init__(self, target: Target, triggers: str | None = None) -> None:
        self.target = target
        self.env = target.env
        self.triggers = triggers
        self.results: list[Result] = []
        self._secrets: set[str] = set()  # every credential seen: never printed
        self._echo: Callable[[str], None] = lambda _line: None
        self._clients: dict[str, Any] = {}
        # facts gathered by the checks for the ones after them
        self.settings: Any = None
        self.rules: Any = None
        self.crms: set[str] = set()
        self.secret_values: dict[str, dict[str, str]] = {}
        self.salesforce: tuple[Any, str] | None = None  # (requests session, instance URL)
        self.salesforce_version = "62.0"
        self.hubspot: tuple[Any, str] | None = None  # (requests session, base URL)
        self._hubspot_oauth = False
        self._hubspot_scopes: set[str] = set()

    # --- running ----------------------------------------------------------------------

    def run(self, echo: Callable[[str], None] | None = None) -> list[Result]:
        if echo is not None:
            self._echo = echo
        self.check("settings", self._settings)
        self.check("rules", self._rules, needs=("settings",))
        for vendor in ("twilio", "salesforce", "hubspot", "privacy"):
            self.check(f"secret:{vendor}", getattr(self, f"_secret_{vendor}"), needs=("settings", "rules"))
        self.check("salesforce:token", self._salesforce_token, needs=("secret:salesforce",))
        related = ["Account"] if self._account_fields() else []  # Account.<field> the rules read
        for sobject in (
            "Contact",
            *sorted({SOBJECTS[t] for t in self._rule_objects("salesforce")} | set(related)),
        ):
            self.check(
                f"salesforce:{sobject} fields",
                partial(self._salesforce_fields, sobject),
                needs=("salesforce:token",),
            )
        self.check("salesforce:permission set", self._salesforce_permission_set, needs=("salesforce:token",))
        self.check("salesforce:change events", self._salesforce_channel, needs=("salesforce:token",))
        self.check("hubspot:token", self._hubspot_token, needs=("secret:hubspot",))
        self.check("hubspot:scopes", self._hubspot_scopes_check, needs=("hubspot:token",))
        for object_type in ("contacts", *sorted({HUBSPOT_OBJECTS[t] for t in self._rule_objects("hubspot")})):
            self.check(
                f"hubspot:{object_type} properties",
                partial(self._hubspot_properties, object_type),
                needs=("hubspot:token",),
            )
        self.check("hubspot:association labels", self._hubspot_labels, needs=("hubspot:token",))
        self.check("twilio:messaging service", self._twilio_service, needs=("secret:twilio",))
        self.check("aws:tables", self._tables, needs=("settings",))
        self.check("aws:SalesforceChangeRule", self._rule, needs=("settings", "rules"))
        self.check("aws:partner event source", self._event_source, needs=("settings", "rules"))
        for _, env_name, dlq in QUEUES:
            self.check(f"aws:{dlq}", partial(self._dead_letters, dlq, env_name), needs=("settings",))
        return self.results

    def check(self, name: str, run: Callable[[], str], needs: Iterable[str] = ()) -> Result:
        by_name = {r.name: r for r in self.results}
        blocked = [n for n in needs if n in by_name and by_name[n].status != "PASS"]
        if blocked:
            first = by_name[blocked[0]]
            why = "failed" if first.status == "FAIL" else "was skipped"
            result = Result("SKIP", name, f"{first.name} {why}")
        else:
            try:
                result = Result("PASS", name, run())
            except Failed as exc:
                result = Result("FAIL", name, exc.detail, exc.fix)
            except Skipped as exc:
                result = Result("SKIP", name, str(exc))
            except Exception as exc:  # a check that breaks is a failure of that check, never of the run
                result = Result(
                    "FAIL",
                    name,
                    f"{type(exc).__name__}: {exc}",
                    "rerun with -v for details; the cause above is what the service answered",
                )
        result = Result(result.status, result.name, self._scrub(result.detail), self._scrub(result.fix))
        self.results.append(result)
        self._echo(f"{result.status} {result.name} — {result.detail}")
        if result.fix:
            self._echo(f"     fix: {result.fix}")
        return result

    def _scrub(self, text: str) -> str:
        from textloop.domain.masking import mask_in_text

        for secret in sorted(self._secrets, key=len, reverse=True):
            if len(secret) >= 6:
                text = text.replace(secret, "<redacted>")
        return mask_in_text(text)

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(service, **self.target.aws)  # type: ignore[call-overload]
        return self._clients[service]

    @staticmethod
    def _connected(connection: tuple[Any, str] | None) -> tuple[Any, str]:
        if connection is None:
            raise Skipped("not connected")
        return connection

    def _rule_objects(self, crm: str) -> set[str]:
        return {r.object_type for r in self.rules.rules if r.crm == crm} if self.rules is not None else set()

    def _changed_objects(self, crm: str) -> set[str]:
        """The object types whose changes a rule watches (renewal rules are the scanner's, not CDC's)."""
        if self.rules is None:
            return set()
        return {r.object_type for r in self.rules.rules if r.crm == crm and r.renewal is None}

    def _account_fields(self) -> list[str]:
        """The account fields the Salesforce rules read through a record's Account (``Account.<field>``)."""
        if self.rules is None:
            return []
        rules = [r for r in self.rules.rules if r.crm == "salesforce"]
        return [f.split(".", 1)[1] for f in self.rules.fields_for(rules) if f.startswith("Account.")]

    def _uses(self, crm: str) -> None:
        if crm not in self.crms:
            raise Skipped(f"{crm} is not used (no rule for it, not in REPLY_CRMS)")

    # --- configuration ----------------------------------------------------------------

    def _settings(self) -> str:
        from textloop.config import ConfigError, Settings

        try:
            self.settings = Settings.from_env(self.env)
        except ConfigError as exc:
            raise Failed(
                str(exc), "set these variables in the functions' environment (template.yaml)"
            ) from None
        self.salesforce_version = self.settings.salesforce_api_version
        return f"the functions' settings are valid (state table {self.settings.state_table})"

    def _rules(self) -> str:
        from textloop.domain import templates
        from textloop.domain.rules import RuleSet
        from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE

        path = self.triggers or self.settings.triggers_file or str(DEFAULT_TRIGGERS_FILE)
        if not Path(path).is_file():
            raise Failed(
                f"the rules file {path} is not readable here",
                "pass --triggers with a copy of the stack's rules file (TRIGGERS_FILE)",
            )
        try:
            self.rules = RuleSet.load(path)
            for template in self.rules.templates:
                templates.validate(template)
        except Exception as exc:
            raise Failed(
                f"{Path(path).name}: {type(exc).__name__}: {exc}",
                "correct the rules file; the dispatcher refuses it at cold start",
            ) from None
        self.crms = {r.crm for r in self.rules.rules} | set(self.settings.reply_crms)
        return f"{len(self.rules.rules)} rules, {len(self.rules.templates)} templates ({Path(path).name})"

    def _values(self, prefix: str) -> dict[str, str]:
        from textloop.config import Secrets

        where = self.env.get(f"{prefix}_SECRET_ID")
        try:
            values = Secrets(prefix, self.env, provider=self.target.secrets_provider).values()
        except Exception as exc:
            raise Failed(
                f"cannot read the secret {where}: {type(exc).__name__}",
                f"check {prefix}_SECRET_ID and that your credentials may read it "
                "(secretsmanager:GetSecretValue)",
            ) from None
        self._secrets.update(
            v for k, v in values.items() if k.split("_", 1)[-1] in CREDENTIAL_KEYS or k in CREDENTIAL_KEYS
        )
        self.secret_values[prefix] = values
        return values

    def _put(self, prefix: str, keys: Iterable[str]) -> str:
        """How to put *keys* into the vendor's secret, where this configuration keeps it."""
        keys = list(keys)
        secret_id = self.env.get(f"{prefix}_SECRET_ID")
        if secret_id:
            shape = ", ".join(f'"{k}": "…"' for k in keys)
            return (
                f"aws secretsmanager put-secret-value --secret-id {secret_id} --secret-string "
                f"'{{…, {shape}}}' (the whole JSON object, with {', '.join(keys)})"
            )
        return "set " + ", ".join(f"{prefix}_{k.upper()}" for k in keys) + " in the functions' environment"

    def _secret_twilio(self) -> str:
        values = self._values("TWILIO")
        missing = [k for k in ("account_sid", "auth_token") if not values.get(k)]
        if missing:
            raise Failed(
                f"the Twilio secret has no {', '.join(missing)}"
                + (" (webhook signatures are checked with auth_token)" if "auth_token" in missing else ""),
                self._put("TWILIO", missing),
            )
        problems = []
        if not re.fullmatch(r"AC[0-9a-fA-F]{32}", values["account_sid"]):
            problems.append("account_sid is not AC followed by 32 hex digits")
        if bool(values.get("api_key")) != bool(values.get("api_secret")):
            problems.append("api_key and api_secret go together")
        elif values.get("api_key") and not re.fullmatch(r"SK[0-9a-fA-F]{32}", values["api_key"]):
            problems.append("api_key is not SK followed by 32 hex digits")
        service = self.settings.twilio_messaging_service_sid
        if not re.fullmatch(r"MG[0-9a-fA-F]{32}", service or ""):
            problems.append("TWILIO_MESSAGING_SERVICE_SID is not MG followed by 32 hex digits")
        if problems:
            raise Failed(
                "; ".join(problems),
                "copy the values from the Twilio Console (Account Info, API keys, Messaging Services): "
                + self._put("TWILIO", ["account_sid", "auth_token"]),
            )
        mode = "API key" if values.get("api_key") else "auth token"
        return f"account_sid, auth_token; REST calls with the {mode}"

    def _secret_salesforce(self) -> str:
        self._uses("salesforce")
        from textloop.adapters.salesforce_auth import SalesforceCredentials

        values = self._values("SALESFORCE")
        try:
            credentials = SalesforceCredentials.from_secret(values)
        except ValueError as exc:
            raise Failed(
                str(exc), self._put("SALESFORCE", ["auth", "username", "consumer_key", "private_key"])
            ) from None
        if credentials.auth == "jwt_bearer":
            from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            try:
                key = load_pem_private_key(credentials.private_key.encode(), password=None)
            except (ValueError, TypeError):
                key = None
            if not isinstance(key, RSAPrivateKey):
                raise Failed(
                    "private_key is not an unencrypted PEM RSA private key",
                    "put textloop-jwt.key (infra/salesforce/INSTALL.md step 2) in the secret as private_key: "
                    + self._put("SALESFORCE", ["private_key"]),
                )
        if not (self.settings.salesforce_instance_url or credentials.instance_url) and (
            credentials.auth == "access_token"
        ):
            raise Failed(
                "a static access_token needs instance_url (or SALESFORCE_INSTANCE_URL)",
                self._put("SALESFORCE", ["instance_url"]),
            )
        keys = [
            *_SALESFORCE_KEYS[credentials.auth],
            *(k for k in ("login_url", "instance_url") if values.get(k)),
        ]
        return f"auth {credentials.auth} ({', '.join(keys)})"

    def _secret_hubspot(self) -> str:
        self._uses("hubspot")
        from textloop.adapters.hubspot_auth import HubSpotCredentials

        values = self._values("HUBSPOT")
        try:
            credentials = HubSpotCredentials.from_secret(values)
        except ValueError as exc:
            raise Failed(
                str(exc),
                self._put("HUBSPOT", ["access_token", "client_secret"])
                + " (or client_id, client_secret, refresh_token for OAuth): infra/hubspot/INSTALL.md step 6",
            ) from None
        if not values.get("client_secret"):
            raise Failed(
                "the HubSpot secret has no client_secret (webhook signatures are checked with it)",
                self._put("HUBSPOT", ["client_secret"]) + ": the app's Auth tab",
            )
        return "OAuth refresh token" if credentials.oauth else "static access token, client_secret"

    def _secret_privacy(self) -> str:
        secret_id = self.env.get("PRIVACY_SECRET_ID")
        if secret_id:
            key = self._values("PRIVACY").get("hash_key", "")
        else:
            key = self.env.get("PRIVACY_HASH_KEY", "")
            self._secrets.add(key)
        if not key:
            raise Failed(
                "no privacy key: erasure is refused and opt-outs of erased numbers are not kept",
                self._put("PRIVACY", ["hash_key"]) + " (a long random value, never rotated)",
            )
        if len(key) < 16:
            raise Failed(
                "the privacy hash_key is shorter than 16 characters", self._put("PRIVACY", ["hash_key"])
            )
        return "hash_key present"

    # --- Salesforce -------------------------------------------------------------------

    def _salesforce_token(self) -> str:
        import requests

        from textloop.adapters.salesforce_auth import (
            SalesforceAuth,
            SalesforceCredentials,
            SalesforceLoginFailed,
        )
        from textloop.config import Fixed

        credentials = SalesforceCredentials.from_secret(self.secret_values["SALESFORCE"])
        session = _Session(self.settings.salesforce_ca_bundle)
        try:
            token = SalesforceAuth(Fixed(credentials), session).token()
        except SalesforceLoginFailed as exc:
            raise Failed(
                f"the token endpoint answered {exc.status} {exc.error}: {exc.description}",
                _salesforce_login_fix(exc.error, exc.description, credentials.auth),
            ) from None
        except requests.RequestException as exc:
            raise Failed(
                f"the token endpoint is unreachable ({type(exc).__name__})",
                "check login_url / instance_url in the Salesforce secret",
            ) from None
        self._secrets.add(token.access_token)
        instance = (self.settings.salesforce_instance_url or token.instance_url).rstrip("/")
        session.headers["Authorization"] = f"Bearer {token.access_token}"
        self.salesforce = (session, instance)
        return f"{credentials.auth} token for {instance}"

    def _salesforce_get(self, path: str, **params: str) -> Any:
        import requests

        session, instance = self._connected(self.salesforce)
        url = f"{instance}/services/data/v{self.salesforce_version}/{path}"
        try:
            response = session.get(url, params=params or None, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise Failed(
                f"Salesforce is unreachable ({type(exc).__name__})", "check SALESFORCE_INSTANCE_URL"
            ) from None
        return response

    def _salesforce_fields(self, sobject: str) -> str:
        from textloop.adapters.salesforce import PHONE_STATUS_FIELD
        from textloop.domain.model import PhoneStatus

        response = self._salesforce_get(f"sobjects/{sobject}/describe")
        if response.status_code != 200:
            raise Failed(
                f"describe {sobject} answered {response.status_code} {_sf_error(response)}",
                f"give the permission set {PERMISSION_SET} read access to {sobject}: infra/salesforce, "
                "sf project deploy start",
            )
        described = {f["name"]: f for f in response.json().get("fields", [])}
        s = self.settings
        wanted: dict[str, tuple[str, ...]] = {}  # field → picklist values it must offer
        writable: set[str] = set()
        if sobject == "Contact":
            wanted = {
                PHONE_STATUS_FIELD: tuple(p.value for p in PhoneStatus),
                s.salesforce_consent_field: ("opted_in", "opted_out"),
                s.salesforce_do_not_call_field: (),
                s.salesforce_state_field: (),
            }
            if s.salesforce_time_zone_field:
                wanted[s.salesforce_time_zone_field] = ()
            writable = {PHONE_STATUS_FIELD, s.salesforce_consent_field}
        elif sobject == "Account" and sobject not in SOBJECTS.values():
            wanted = dict.fromkeys(self._account_fields(), ())
        else:
            object_type = next(t for t, name in SOBJECTS.items() if name == sobject)
            rules = self.rules.for_object("salesforce", object_type)
            wanted = dict.fromkeys((f for f in self.rules.fields_for(rules) if "." not in f), ())
        missing = [name for name in wanted if name not in described]
        if missing:
            raise Failed(
                f"{sobject} has no {', '.join(missing)} (or the integration user cannot see it)",
                f"create the {sobject} field{'s' if len(missing) > 1 else ''} {', '.join(missing)} and give "
                f"{PERMISSION_SET} access: infra/salesforce, sf project deploy start"
                + ("" if sobject == "Contact" else " (or correct the rule's field in the rules file)"),
            )
        problems = []
        for name, values in wanted.items():
            offered = {
                p.get("value") for p in described[name].get("picklistValues") or [] if p.get("active", True)
            }
            absent = [v for v in values if described[name].get("type") == "picklist" and v not in offered]
            if absent:
                problems.append(f"{name} lacks the picklist values {', '.join(absent)}")
        problems += [
            f"{name} is not editable" for name in sorted(writable) if not described[name].get("updateable")
        ]
        if problems:
            raise Failed(
                f"{sobject}: " + "; ".join(problems),
                f"deploy infra/salesforce again (sf project deploy start): the picklist values and the edit "
                f"access of {PERMISSION_SET} come with it",
            )
        return f"{', '.join(wanted)} present"

    def _tooling(self, soql: str) -> list[dict[str, Any]]:
        response = self._salesforce_get("tooling/query", q=soql)
        if response.status_code != 200:
            raise Failed(
                f"the Tooling query answered {response.status_code} {_sf_error(response)}",
                "run doctor with a Salesforce user allowed to view setup (View Setup and Configuration), "
                "or check it in Setup",
            )
        return list(response.json().get("records") or [])

    def _salesforce_permission_set(self) -> str:
        found = self._tooling(f"SELECT Id, Name FROM PermissionSet WHERE Name = '{PERMISSION_SET}'")
        if not found:
            username = self.secret_values.get("SALESFORCE", {}).get("username") or "<integration user>"
            raise Failed(
                f"no permission set {PERMISSION_SET}",
                "deploy and assign it: infra/salesforce, sf project deploy start; sf org assign permset "
                f"--name {PERMISSION_SET} --on-behalf-of {username}",
            )
        return f"{PERMISSION_SET} exists"

    def _salesforce_channel(self) -> str:
        entities = sorted(CHANGE_EVENTS[t] for t in self._changed_objects("salesforce"))
        if not entities:
            raise Skipped("no Salesforce rule: no change events needed")
        channels = {
            str(c["Id"])[:15]
            for c in self._tooling("SELECT Id, DeveloperName FROM PlatformEventChannel")
            if c.get("DeveloperName") in (CHANGE_CHANNEL, f"{CHANGE_CHANNEL}__chn")
        }
        members = self._tooling(
            "SELECT Id, DeveloperName, EventChannel, SelectedEntity FROM PlatformEventChannelMember"
        )
        present = {
            m.get("SelectedEntity")
            for m in members
            if str(m.get("EventChannel") or "")[:15] in channels
            or str(m.get("DeveloperName") or "").startswith(f"{CHANGE_CHANNEL}_chn_")
        }
        missing = [e for e in entities if e not in present]
        if not channels or missing:
            what = f"channel {CHANGE_CHANNEL}__chn" if not channels else f"members {', '.join(missing)}"
            raise Failed(
                f"no {what}: those changes never leave the org",
                "render and deploy the channel (infra/salesforce/INSTALL.md steps 4-5): sf project deploy start "
                "--metadata PlatformEventChannel PlatformEventChannelMember",
            )
        return f"{CHANGE_CHANNEL}__chn has {', '.join(entities)}"

    # --- HubSpot ----------------------------------------------------------------------

    def _hubspot_token(self) -> str:
        import requests

        from textloop.adapters.hubspot_auth import HubSpotAuth, HubSpotCredentials, HubSpotLoginFailed
        from textloop.config import Fixed

        credentials = HubSpotCredentials.from_secret(self.secret_values["HUBSPOT"])
        base = str(self.settings.hubspot_api_base_url).rstrip("/")
        session = requests.Session()
        try:
            token = HubSpotAuth(Fixed(credentials), base, session=session).token()
        except HubSpotLoginFailed as exc:
            raise Failed(
                f"the token endpoint answered {exc.status} {exc.error}: {exc.message}",
                "put the app's current client_id, client_secret and refresh_token in the HubSpot secret "
                "(reinstall the app for a new refresh token)",
            ) from None
        except requests.RequestException as exc:
            raise Failed(
                f"HubSpot is unreachable ({type(exc).__name__})", "check HUBSPOT_API_BASE_URL"
            ) from None
        self._secrets.add(token)
        session.headers["Authorization"] = f"Bearer {token}"
        self.hubspot = (session, base)
        self._hubspot_oauth = credentials.oauth
        if credentials.oauth:
            response = session.get(f"{base}/oauth/v1/access-tokens/{token}", timeout=TIMEOUT)
            if response.status_code != 200:
                raise Failed(
                    f"HubSpot does not know the new access token ({response.status_code})",
                    "put the app's current refresh_token in the HubSpot secret",
                )
            self._hubspot_scopes = set(response.json().get("scopes") or [])
            return "OAuth access token obtained with the refresh token"
        response = session.get(f"{base}/crm/v3/owners/", params={"limit": "1"}, timeout=TIMEOUT)
        if response.status_code == 401:
            raise Failed(
                "HubSpot refused the access token (401)",
                self._put("HUBSPOT", ["access_token"]) + ": the app's current token (Auth tab)",
            )
        if response.status_code == 403:
            raise Failed("the token may not read owners (403: crm.objects.owners.read)", _REINSTALL)
        if response.status_code != 200:
            raise Failed(
                f"GET /crm/v3/owners answered {response.status_code}", "retry; check HubSpot's status page"
            )
        return "static token accepted (GET /crm/v3/owners)"

    def _hubspot_scopes_check(self) -> str:
        if not self._hubspot_oauth:
            raise Skipped(
                "a static token's scopes cannot be read: compare the app's Scopes tab with "
                "infra/hubspot/src/app/app-hsmeta.json"
            )
        missing = [s for s in HUBSPOT_SCOPES if s not in self._hubspot_scopes]
        if missing:
            raise Failed(f"the token lacks the scopes {', '.join(missing)}", _REINSTALL)
        return f"the token has the {len(HUBSPOT_SCOPES)} scopes Textloop needs"

    def _hubspot_properties(self, object_type: str) -> str:
        from textloop.adapters.hubspot import PHONE_STATUS_PROPERTY
        from textloop.domain.model import PhoneStatus

        session, base = self._connected(self.hubspot)
        s = self.settings
        wanted: dict[str, tuple[str, ...]]
        if object_type == "contacts":
            wanted = {
                s.hubspot_consent_property: ("opted_in", "opted_out"),
                PHONE_STATUS_PROPERTY: tuple(p.value for p in PhoneStatus),
                s.hubspot_state_property: (),
            }
            if s.hubspot_time_zone_property:
                wanted[s.hubspot_time_zone_property] = ()
        else:
            singular = next(t for t, plural in HUBSPOT_OBJECTS.items() if plural == object_type)
            wanted = dict.fromkeys(self.rules.fields_for(self.rules.for_object("hubspot", singular)), ())
        missing, problems = [], []
        for name, values in wanted.items():
            response = session.get(f"{base}/crm/v3/properties/{object_type}/{name}", timeout=TIMEOUT)
            if response.status_code == 404:
                missing.append(name)
                continue
            if response.status_code != 200:
                raise Failed(
                    f"GET /crm/v3/properties/{object_type}/{name} answered {response.status_code}",
                    "check the token's scopes (hubspot:token)",
                )
            offered = {o.get("value") for o in response.json().get("options") or []}
            absent = [v for v in values if v not in offered]
            if absent:
                problems.append(f"{name} lacks the options {', '.join(absent)}")
        if missing:
            custom = object_type == "contacts"
            raise Failed(
                f"no {object_type} propert{'ies' if len(missing) > 1 else 'y'} {', '.join(missing)}",
                f"create {', '.join(missing)}: "
                + (
                    "infra/hubspot/INSTALL.md step 7 (POST /crm/v3/properties/contacts/batch/create with "
                    "infra/hubspot/properties/contact-properties.json)"
                    if custom
                    else "Settings > Properties, or correct the rule's field in the rules file"
                ),
            )
        if problems:
            raise Failed(
                "; ".join(problems), "add the options of infra/hubspot/properties/contact-properties.json"
            )
        return f"{', '.join(wanted)} present"

    def _hubspot_labels(self) -> str:
        from textloop.adapters import hubspot as adapter

        session, base = self._connected(self.hubspot)
        pairs = (
            ("tasks", "contacts", adapter.TASK_TO_CONTACT),
            ("tasks", "deals", adapter.TASK_TO_DEAL),
            ("tasks", "tickets", adapter.TASK_TO_TICKET),
            ("communications", "contacts", adapter.COMMUNICATION_TO_CONTACT),
            ("communications", "deals", adapter.COMMUNICATION_TO_DEAL),
            ("communications", "tickets", adapter.COMMUNICATION_TO_TICKET),
        )
        missing = []
        for source, to, type_id in pairs:
            response = session.get(f"{base}/crm/v4/associations/{source}/{to}/labels", timeout=TIMEOUT)
            ids = {r.get("typeId") for r in response.json().get("results") or []} if response.ok else set()
            if type_id not in ids:
                missing.append(f"{source[:-1]}→{to[:-1]} {type_id}")
        if missing:
            raise Failed(
                f"the account does not offer {', '.join(missing)}",
                "compare GET /crm/v4/associations/{from}/{to}/labels with the type ids in "
                "shared/textloop/adapters/hubspot.py and correct them",
            )
        return "task→contact/deal/ticket, communication→contact/deal/ticket type ids present"

    # --- Twilio -----------------------------------------------------------------------

    def _twilio_service(self) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        from textloop.adapters.twilio_sms import twilio_client

        values = self.secret_values["TWILIO"]
        base = str(self.settings.twilio_api_base_url).rstrip("/")
        client = twilio_client(
            values["account_sid"],
            values.get("auth_token"),
            api_key=values.get("api_key"),
            api_secret=values.get("api_secret"),
            base_url=base,
        )
        if base != "https://api.twilio.com":  # an emulator: every Twilio domain under one base URL
            client.messaging.base_url = base
        sid = self.settings.twilio_messaging_service_sid
        try:
            service = client.messaging.v1.services(sid).fetch()
        except TwilioRestException as exc:
            if exc.status == 401:
                raise Failed(
                    "Twilio refused the credentials (401)",
                    self._put("TWILIO", ["account_sid", "auth_token"]) + ": Twilio Console, Account Info",
                ) from None
            if exc.status == 404:
                raise Failed(
                    f"no Messaging Service {sid} in this account",
                    "set TwilioMessagingServiceSid (sam deploy) to a Messaging Service of the account: "
                    "Twilio Console > Messaging > Services",
                ) from None
            raise Failed(
                f"Twilio answered {exc.status} ({exc.code})", "retry; check Twilio's status page"
            ) from None
        except TwilioException as exc:
            raise Failed(
                f"Twilio is unreachable ({type(exc).__name__})", "check TWILIO_API_BASE_URL"
            ) from None
        except Exception as exc:  # requests errors under the SDK
            raise Failed(
                f"Twilio is unreachable ({type(exc).__name__})", "check TWILIO_API_BASE_URL"
            ) from None
        expected = self.target.inbound_url
        console = f"Twilio Console > Messaging > Services > {sid} > Integration"
        if service.use_inbound_webhook_on_number:
            raise Failed(
                "the service sends incoming messages to each number's own webhook, not to Textloop",
                f"{console}: choose 'Send a webhook' with {expected or 'the stack output TwilioInboundUrl'}",
            )
        if expected is None:
            raise Skipped(
                f"service {sid} exists; the expected inbound URL is unknown "
                "(set PUBLIC_BASE_URL or pass --stack-name)"
            )
        actual = (service.inbound_request_url or "").rstrip("/")
        if actual != expected.rstrip("/"):
            raise Failed(
                f"service {sid} sends incoming messages to {actual or 'nowhere'}, not to {expected}",
                f"{console}: Incoming Messages > Send a webhook, Request URL {expected} (HTTP POST)",
            )
        if (service.inbound_method or "POST").upper() != "POST":
            raise Failed(
                f"service {sid} calls {expected} with {service.inbound_method}", f"{console}: HTTP POST"
            )
        return f"service {sid} sends incoming messages to {expected}"

    # --- AWS --------------------------------------------------------------------------

    def _tables(self) -> str:
        from botocore.exceptions import ClientError

        dynamodb = self._client("dynamodb")
        for env_name, table in (
            ("STATE_TABLE", self.settings.state_table),
            ("CONSENT_TABLE", self.settings.consent_table),
        ):
            try:
                status = dynamodb.describe_table(TableName=table)["Table"]["TableStatus"]
            except ClientError as exc:
                raise Failed(
                    f"{env_name} {table}: {exc.response['Error']['Code']}",
                    "deploy the stack (sam deploy) or correct the table name in the functions' environment",
                ) from None
            if status != "ACTIVE":
                raise Failed(f"{table} is {status}", "wait for the table to become ACTIVE")
        return f"{self.settings.state_table}, {self.settings.consent_table} active"

    def _queue_arn(self, url: str) -> str:
        attributes = self._client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    def _rule(self) -> str:
        self._uses("salesforce")
        if not self._rule_objects("salesforce"):
            raise Skipped("no Salesforce rule")
        bus = self.target.event_bus
        if not bus:
            raise Skipped("the event bus is unknown: pass --stack-name, or --event-bus in environment mode")
        from botocore.exceptions import ClientError

        events = self._client("events")
        queue_arn = self._queue_arn(self.settings.trigger_queue_url)
        name = self.target.rule_name
        deploy = "sam deploy (SalesforceChangeRule is part of template.yaml)"
        try:
            if name is None:
                names = events.list_rule_names_by_target(TargetArn=queue_arn, EventBusName=bus)["RuleNames"]
                if not names:
                    raise Failed(f"no rule on {bus} sends to TriggerQueue", deploy)
                name = names[0]
            rule = events.describe_rule(Name=name, EventBusName=bus)
            targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
        except ClientError as exc:
            raise Failed(f"rule {name} on {bus}: {exc.response['Error']['Code']}", deploy) from None
        if rule.get("State") != "ENABLED":
            raise Failed(
                f"rule {name} is {rule.get('State')}",
                f"aws events enable-rule --name {name} --event-bus-name {bus}",
            )
        if queue_arn not in {t.get("Arn") for t in targets}:
            raise Failed(f"rule {name} does not target TriggerQueue", deploy)
        return f"{name} on {bus} is ENABLED and targets TriggerQueue"

    def _event_source(self) -> str:
        self._uses("salesforce")
        if not self._rule_objects("salesforce"):
            raise Skipped("no Salesforce rule")
        bus = self.target.event_bus
        if not bus:
            raise Skipped("the event bus is unknown: pass --stack-name, or --event-bus in environment mode")
        from botocore.exceptions import ClientError

        events = self._client("events")
        associate = (
            f"EventBridge > Partner event sources > {bus} > Associate with event bus "
            "(infra/salesforce/INSTALL.md step 7), then start the Event Relay (step 9)"
        )
        if not bus.startswith("aws.partner/"):
            try:
                events.describe_event_bus(Name=bus)
            except ClientError as exc:
                raise Failed(f"no event bus {bus} ({exc.response['Error']['Code']})", associate) from None
            return f"bus {bus} exists (not a partner bus: no event source to accept)"
        try:
            source = events.describe_event_source(Name=bus)
        except ClientError as exc:
            raise Failed(
                f"no partner event source {bus} ({exc.response['Error']['Code']})",
                "create the Event Relay in Salesforce (infra/salesforce/INSTALL.md step 5): it creates the source",
            ) from None
        if source.get("State") != "ACTIVE":
            raise Failed(f"partner event source {bus} is {source.get('State')}", associate)
        try:
            events.describe_event_bus(Name=bus)
        except ClientError:
            raise Failed(f"the source {bus} is active but has no event bus", associate) from None
        return f"partner event source {bus} is ACTIVE"

    def _dead_letters(self, dlq: str, source_env: str) -> str:
        url = self.target.dead_letter_queues.get(dlq)
        sqs = self._client("sqs")
        if not url:
            source = self.env.get(source_env)
            if not source:
                if dlq == "PrivacyDeadLetterQueue":
                    raise Skipped("no PrivacyQueue in this stack")
                raise Skipped(f"{source_env} is not set")
            policy = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])
            redrive = json.loads(policy.get("Attributes", {}).get("RedrivePolicy") or "{}")
            arn = redrive.get("deadLetterTargetArn")
            if not arn:
                raise Failed(
                    f"the queue of {source_env} has no dead-letter queue",
                    "deploy the stack (sam deploy): template.yaml gives it a RedrivePolicy",
                )
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "QueueArn"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        depth = int(attributes.get(names[0], 0)) + int(attributes.get(names[1], 0))
        if depth:
            arn = attributes.get("QueueArn", dlq)
            raise Failed(
                f"{depth} message{'s' if depth > 1 else ''} waiting",
                f"{DLQ_FIX[dlq]}: aws sqs start-message-move-task --source-arn {arn}",
            )
        return "empty"


# ------------------------------------------------------------------------------------------ helpers


def _session_class() -> Any:
    import requests

    class Session(requests.Session):
        """Pinned to *ca_bundle* even when REQUESTS_CA_BUNDLE is set (the local Salesforce emulator's CA)."""

        def __init__(self, ca_bundle: str | None) -> None:
            super().__init__()
            self._ca_bundle = ca_bundle

        def send(self, request: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = kwargs.get("timeout") or TIMEOUT
            if self._ca_bundle:
                kwargs["verify"] = self._ca_bundle
            return super().send(request, **kwargs)

    return Session


def _Session(ca_bundle: str | None) -> Any:  # noqa: N802 - reads as the class it builds
    return _session_class()(ca_bundle)


_SALESFORCE_KEYS = {
    "jwt_bearer": ("username", "consumer_key", "private_key"),
    "client_credentials": ("consumer_key", "consumer_secret"),
    "access_token": ("access_token",),
}


_REINSTALL = (
    "reinstall the app with the scopes of infra/hubspot/src/app/app-hsmeta.json (INSTALL.md steps 4-5)"
)


def _sf_error(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return f"{body[0].get('errorCode', '')}: {body[0].get('message', '')}"
    return ""


def _salesforce_login_fix(error: str, description: str, auth: str) -> str:
    install = "infra/salesforce/INSTALL.md"
    if error == "invalid_private_key":
        return f"put the PEM private key of the app's certificate in the secret as private_key ({install} step 2)"
    if error == "invalid_client_id":
        return f"put the Textloop External Client App's consumer key in the secret as consumer_key ({install} step 8)"
    if "audience" in description:
        return "login_url must be https://login.salesforce.com (https://test.salesforce.com for a sandbox)"
    if "approved" in description:
        return (
            f"assign the permission set {PERMISSION_SET} to the integration user and pre-authorise it on the app "
            f"({install} step 6); username must be that user"
        )
    if auth == "client_credentials":
        return "check consumer_key/consumer_secret and the app's run-as user (client credentials flow)"
    return f"check the Salesforce secret against {install} steps 2, 6 and 8 (certificate, user, consumer key)"


if __name__ == "__main__":
    sys.exit(main())
