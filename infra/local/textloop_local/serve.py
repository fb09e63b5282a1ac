"""``textloop serve``: the whole product on loopback, in one process.

* moto server (DynamoDB, SQS, EventBridge) — tables, queues (with their DLQ redrive) and the
  SalesforceChangeRule are created from template.yaml through ``textloop_local.template``: one
  schema source. The rule lives on the local bus ``salesforce-event-relay`` (moto cannot route
  rules on partner bus names containing ``/``) and targets TriggerQueue.
* the Salesforce (HTTPS), HubSpot and Twilio emulators, seeded;
* the HttpApi routes of template.yaml served to the real handler modules (``apigw``), plus
  ``GET /_local/state``;
* the SQS event sources of template.yaml polled into their functions (``sqs_poller``);
* fault injection, ``POST/GET/DELETE /_local/faults`` (``faults``): the emulators consult it, and the app's
  ``AWS_ENDPOINT_URL`` is a proxy in front of moto (``aws_proxy``) that injects DynamoDB and SQS faults.

Environment: the app reads the variables of docs/DESIGN.md. AWS variables always point at moto
(a local stack must never reach a real account); endpoint URLs and table/queue names are the
stack's own; secrets and presentation values (tokens, brand) keep a value already set in the
environment, else a documented local default (``LOCAL_DEFAULTS``). ``*_SECRET_ID`` are removed so
that the secrets come from the environment.

Credentials as deployed: Salesforce through the OAuth 2.0 JWT bearer flow — an RSA key and a self-signed
certificate are generated at each start, the emulator trusts the certificate and the functions sign with
the key (``SALESFORCE_AUTH=jwt_bearer``, ``SALESFORCE_USERNAME``, ``SALESFORCE_CONSUMER_KEY``,
``SALESFORCE_PRIVATE_KEY``, ``SALESFORCE_LOGIN_URL``) — and HubSpot through OAuth refresh
(``HUBSPOT_CLIENT_ID``, ``HUBSPOT_CLIENT_SECRET``, ``HUBSPOT_REFRESH_TOKEN``): the emulators' request
logs show the token calls. The static ``*_ACCESS_TOKEN`` values stay accepted by the emulators for the
local tools (demo, bench) that read them directly; ``SALESFORCE_AUTH=access_token`` and an empty
``HUBSPOT_REFRESH_TOKEN`` make the functions use them too.

Tenants: the default credentials above serve the seeded org and portal (``SALESFORCE_ACCOUNT``,
``HUBSPOT_ACCOUNT``); a second HubSpot portal (``seed.HS2_PORTAL_ID``) runs in its own emulator and is
served by its own token and API URL (``HUBSPOT_<PORTALID>_ACCESS_TOKEN``, ``HUBSPOT_<PORTALID>_API_BASE_URL``);
any other org or portal has no credentials (``unknown_tenant``).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textloop_local.apigw import ApiGateway, ApiServer, HttpRequest, Route
from textloop_local.emulators import seed
from textloop_local.faults import FaultRegistry
from textloop_local.lambda_context import REGION, LocalFunction
from textloop_local.sqs_poller import QueueBinding, SqsPoller

log = logging.getLogger("textloop_local.serve")

REPO_ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = REPO_ROOT / "template.yaml"
LOCAL_EVENT_BUS = "salesforce-event-relay"
STACK_NAME = "textloop-local"

# Documented local defaults; an environment variable already set wins.
LOCAL_DEFAULTS: dict[str, str] = {
    "SALESFORCE_ACCESS_TOKEN": "local-sf-token",
    "SALESFORCE_AUTH": "jwt_bearer",
    "SALESFORCE_USERNAME": "textloop-integration@acme.example",
    "SALESFORCE_CONSUMER_KEY": "local-sf-consumer-key",
    "HUBSPOT_ACCESS_TOKEN": "local-hubspot-token",
    "HUBSPOT_CLIENT_ID": "local-hubspot-client-id",
    "HUBSPOT_CLIENT_SECRET": "local-hubspot-client-secret",
    "HUBSPOT_REFRESH_TOKEN": "local-hubspot-refresh-token",
    "SALESFORCE_ACCOUNT": seed.SF_ORG_ID,  # the org the default credentials serve
    "HUBSPOT_ACCOUNT": seed.HS_PORTAL_ID,  # the portal the default credentials serve
    f"HUBSPOT_{seed.HS2_PORTAL_ID}_ACCESS_TOKEN": seed.HS2_ACCESS_TOKEN,  # a second portal: its own token
    "TWILIO_ACCOUNT_SID": seed.TWILIO_ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": seed.TWILIO_AUTH_TOKEN,
    "TWILIO_MESSAGING_SERVICE_SID": seed.TWILIO_MESSAGING_SERVICE_SID,
    "BRAND_NAME": "Acme Cloud",
    "CARE_CONTACT": "support@acme.example",
    "PHONE_DEFAULT_REGION": "US",
    "SALESFORCE_API_VERSION": "62.0",
    "LOG_LEVEL": "INFO",
    "PRIVACY_HASH_KEY": "local-privacy-hash-key-not-secret",
    # Tracked links (GET /l/{code} is served): off by default locally (the demo sets go.acme.example);
    # LINK_DOMAIN="" (extra_env) tracks them on the stack's own URL.
    "LINK_DOMAIN": "off",
    "POWERTOOLS_SERVICE_NAME": "textloop",
    "POWERTOOLS_METRICS_NAMESPACE": "Textloop",
}
# Never inherited from the caller's shell: the local stack must not reach a real AWS account.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
REMOVED_ENV = (
    "AWS_PROFILE",
    "TWILIO_SECRET_ID",
    "HUBSPOT_SECRET_ID",
    "SALESFORCE_SECRET_ID",
    "PRIVACY_SECRET_ID",
)


@dataclass
class StackOptions:
    host: str = "127.0.0.1"
    port: int = 0
    workdir: Path | None = None  # emulator files (Salesforce CA); a temp dir when None
    visibility_timeout: int = 2  # seconds, on every local receive: retries come fast
    template: Path = TEMPLATE
    extra_env: dict[str, str] = field(default_factory=dict)  # forced values (tests, demo)
    fire_schedules: bool = True  # False: a test fires due schedules itself with its own clock
    token_lifetime: float | None = None  # seconds the CRM emulators' OAuth tokens live (None: theirs)
    moto_process: bool = False  # True: moto serves from a child process (moto_process.py), not a thread
    aws_fault_proxy: bool = True  # False: the app talks to moto directly (no DynamoDB/SQS faults: a bench)


class LocalStack:
    """Start with ``start()`` (or ``with LocalStack() as stack:``), stop with ``stop()``."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.env: dict[str, str] = {}
        self.moto: Any = None
        self.salesforce: Any = None
        self.hubspot: Any = None
        self.hubspot_portals: dict[str, Any] = {}  # portal id → its emulator (self.hubspot: the first)
        self.twilio: Any = None
        self.api: ApiServer | None = None
        self.poller: SqsPoller | None = None
        self.functions: dict[str, LocalFunction] = {}
        self.queues: dict[str, dict[str, str]] = {}  # logical id -> {"url", "arn", "name"}
        self.tables: dict[str, str] = {}  # logical id -> physical name
        self.rule_arn = ""
        self.rule_arns: dict[str, str] = {}  # EventBridge rule logical id -> its ARN on the local bus
        self.scheduler: Any = None  # the local EventBridge Scheduler (fires moto's schedules)
        self.schedule_group = ""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._clients: dict[str, Any] = {}
        self._saved_env: dict[str, str | None] = {}
        self._started = False
        self._saved_modules: dict[str, Any] | None = None
        # /_local/faults: consulted by the emulators and by the AWS proxy in front of moto (faults.py)
        self.faults = FaultRegistry()
        self.aws_proxy: Any = None
        self.moto_endpoint = ""  # moto itself: the stack's own control plane, never faulted

    # --- public surface ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self.api is None:
            raise RuntimeError("the local stack is not started")
        return self.api.url

    @property
    def aws_endpoint(self) -> str:
        return self.env["AWS_ENDPOINT_URL"]

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service,
                endpoint_url=self.moto_endpoint or self.aws_endpoint,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._clients[service]

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def state_table(self) -> str:
        return self.tables["StateTable"]

    @property
    def consent_table(self) -> str:
        return self.tables["ConsentTable"]

    def queue_depths(self) -> dict[str, dict[str, int]]:
        sqs = self.client("sqs")
        depths = {}
        for logical_id, queue in self.queues.items():
            attrs = sqs.get_queue_attributes(
                QueueUrl=queue["url"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            depths[logical_id] = {
                "visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
            }
        return depths

    def state(self) -> dict[str, Any]:
        from textloop_local.state import snapshot

        return snapshot(self)

    def drain(self, timeout: float = 60.0) -> bool:
        """Queues empty, no handler running, Twilio callbacks delivered — stable."""
        if self.poller is None:
            raise RuntimeError("the local stack is not started")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.poller.drain(max(0.5, deadline - time.monotonic())):
                return False
            if self.twilio is not None and hasattr(self.twilio, "wait_idle"):
                self.twilio.wait_idle(max(0.5, deadline - time.monotonic()))
            if self.poller.idle():
                return True
        return False

    def post_inbound_sms(
        self,
        sender: str,
        body: str,
        *,
        to: str | None = None,
        sid: str | None = None,
        media: list[tuple[str, str]] | None = None,
        extra: dict[str, str] | None = None,
        forge: bool = False,
    ) -> tuple[dict[str, str], Any]:
        """POST /twilio/inbound over HTTP exactly as Twilio posts an incoming SMS: form-encoded,
        ``X-Twilio-Signature`` from the twilio library's ``RequestValidator`` for the stack's public
        URL. Returns (the form parameters sent, the ``requests`` response)."""
        import uuid

        import requests
        from twilio.request_validator import RequestValidator

        from textloop_local.emulators import seed

        sid = sid or "SM" + uuid.uuid4().hex
        media = media or []
        params = {
            "ToCountry": "US",
            "ToState": "CA",
            "SmsMessageSid": sid,
            "NumMedia": str(len(media)),
            "ToCity": "SAN FRANCISCO",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "US",
            "To": to or seed.TWILIO_SENDER,
            "MessagingServiceSid": self.env.get(
                "TWILIO_MESSAGING_SERVICE_SID", seed.TWILIO_MESSAGING_SERVICE_SID
            ),
            "ToZip": "94105",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": self.env.get("TWILIO_ACCOUNT_SID", seed.TWILIO_ACCOUNT_SID),
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
        for n, (url, content_type) in enumerate(media):
            params[f"MediaUrl{n}"] = url
            params[f"MediaContentType{n}"] = content_type
        params.update(extra or {})
        url = f"{self.url}/twilio/inbound"
        token = "not-the-auth-token" if forge else self.env["TWILIO_AUTH_TOKEN"]
        signature = RequestValidator(token).compute_signature(url, params)
        response = requests.post(
            url,
            data=params,
            headers={
                "X-Twilio-Signature": signature,
                "User-Agent": "TwilioProxy/1.1",
                "Accept": "*/*",
                "Cache-Control": "max-age=259200",
            },
            timeout=15,
        )
        return params, response

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke one function of the template directly (what a schedule or the console would do)."""
        return self.functions[logical_id].invoke(event)

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def _start(self) -> None:
        from textloop_local import template as sam

        opts = self.options
        workdir = opts.workdir
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="textloop-local-")
            workdir = Path(self._tmp.name)
        workdir.mkdir(parents=True, exist_ok=True)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        # 1. AWS (moto) ------------------------------------------------------------------------
        from moto.server import ThreadedMotoServer

        if opts.moto_process:
            from textloop_local.moto_process import MotoProcess

            self.moto = MotoProcess("127.0.0.1")
        else:
            self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.moto_endpoint = f"http://{host}:{port}"
        self._reset_moto(self.moto_endpoint)
        endpoint = self.moto_endpoint
        if opts.aws_fault_proxy:
            from textloop_local.aws_proxy import AwsFaultProxy

            self.aws_proxy = AwsFaultProxy(self.moto_endpoint, self.faults).start()
            endpoint = self.aws_proxy.url  # the app's AWS endpoint: DynamoDB/SQS faults are injected there
        self.env["AWS_ENDPOINT_URL"] = endpoint
        self._apply_env({**AWS_ENV, "AWS_ENDPOINT_URL": endpoint})

        template = sam.load(opts.template)
        self._create_aws_resources(template)

        # 2. Emulators -------------------------------------------------------------------------
        secrets = {k: os.environ.get(k) or v for k, v in LOCAL_DEFAULTS.items()}
        secrets.update({k: v for k, v in opts.extra_env.items() if k in LOCAL_DEFAULTS})
        from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, TwilioEmulator
        from textloop_local.emulators.tls import signing_key_pair

        app_keys = signing_key_pair("Textloop local External Client App")  # JWT bearer: key + certificate
        secrets["SALESFORCE_PRIVATE_KEY"] = app_keys.private_key  # plays the secret's private_key
        lifetimes = {} if opts.token_lifetime is None else {"token_lifetime": opts.token_lifetime}
        self.salesforce = SalesforceEmulator(
            workdir / "salesforce",
            access_token=secrets["SALESFORCE_ACCESS_TOKEN"],
            consumer_key=secrets["SALESFORCE_CONSUMER_KEY"],
            username=secrets["SALESFORCE_USERNAME"],
            certificate=app_keys.certificate,
            **lifetimes,
        )
        self.salesforce.start(host="127.0.0.1", port=0)
        self.hubspot = HubSpotEmulator(
            access_token=secrets["HUBSPOT_ACCESS_TOKEN"],
            client_id=secrets["HUBSPOT_CLIENT_ID"],
            client_secret=secrets["HUBSPOT_CLIENT_SECRET"],
            refresh_token=secrets["HUBSPOT_REFRESH_TOKEN"] or None,
            **lifetimes,
        )
        self.hubspot.start(host="127.0.0.1", port=0)
        second = HubSpotEmulator(  # another portal of the same app: its own data, its own token
            access_token=secrets[f"HUBSPOT_{seed.HS2_PORTAL_ID}_ACCESS_TOKEN"],
            objects=seed.HUBSPOT_2,
            owners=seed.HUBSPOT_2_OWNERS,
            id_offset=5_000_000,
            **lifetimes,
        )
        second.start(host="127.0.0.1", port=0)
        self.hubspot_portals = {seed.HS_PORTAL_ID: self.hubspot, seed.HS2_PORTAL_ID: second}
        self.twilio = TwilioEmulator(
            account_sid=secrets["TWILIO_ACCOUNT_SID"], auth_token=secrets["TWILIO_AUTH_TOKEN"]
        )
        self.twilio.start(host="127.0.0.1", port=0)
        for emulator in (self.salesforce, self.twilio, *self.hubspot_portals.values()):
            emulator.faults = self.faults

        # 3. The API server binds now: its URL is PUBLIC_BASE_URL (signatures, status callback).
        gateway = ApiGateway(
            [],
            local_endpoints={
                ("GET", "/_local/state"): self._state_endpoint,
                ("GET", "/_local/env"): self._env_endpoint,
                ("POST", "/_local/faults"): self._add_fault,
                ("GET", "/_local/faults"): self._list_faults,
                ("DELETE", "/_local/faults"): self._clear_faults,
            },
        )
        self.api = ApiServer(gateway, host=opts.host, port=opts.port)

        # 4. Environment of the functions, then their cold start --------------------------------
        app_env = {
            **dict(sam_literal_globals(template).items()),
            **secrets,
            "STATE_TABLE": self.tables["StateTable"],
            "CONSENT_TABLE": self.tables["ConsentTable"],
            "TRIGGER_QUEUE_URL": self.queues["TriggerQueue"]["url"],
            **(
                {"INBOUND_QUEUE_URL": self.queues["InboundQueue"]["url"]}
                if "InboundQueue" in self.queues
                else {}
            ),
            **{
                env: self.queues[logical_id]["url"]
                for env, logical_id in (
                    ("CONSENT_QUEUE_URL", "ConsentQueue"),
                    ("PRIVACY_QUEUE_URL", "PrivacyQueue"),
                    ("OUTCOME_QUEUE_URL", "OutcomeQueue"),
                )
                if logical_id in self.queues
            },
            "DEFERRAL_SCHEDULE_GROUP": self.schedule_group,
            "DEFERRAL_TARGET_ARN": self.queues["TriggerQueue"]["arn"],
            "DEFERRAL_ROLE_ARN": f"arn:aws:iam::123456789012:role/{STACK_NAME}-DeferralSchedulerRole",
            "PUBLIC_BASE_URL": self.api.url,
            "SALESFORCE_INSTANCE_URL": self.salesforce.url,
            "SALESFORCE_LOGIN_URL": self.salesforce.url,
            "SALESFORCE_CA_BUNDLE": str(self.salesforce.ca_bundle_path),
            "HUBSPOT_API_BASE_URL": self.hubspot.url,
            f"HUBSPOT_{seed.HS2_PORTAL_ID}_API_BASE_URL": second.url,
            "TWILIO_API_BASE_URL": self.twilio.url,
            **{k: v for k, v in opts.extra_env.items() if k not in LOCAL_DEFAULTS},
        }
        self._apply_env(app_env)
        for name in REMOVED_ENV:
            self._unset_env(name)
        self._saved_modules = _forget_textloop_modules()

        for fn in sam.functions(template):
            self.functions[fn.logical_id] = LocalFunction(
                fn.logical_id,
                REPO_ROOT / fn.code_uri / f"{fn.module}.py",
                fn.handler_function,
                memory_mb=fn.memory_size or 128,
                timeout_seconds=float(fn.timeout or 3),
            )
        routes = [
            Route(r.method.upper(), r.path, self.functions[r.function]) for r in sam.http_routes(template)
        ]
        gateway.set_routes(routes)
        bindings = [
            QueueBinding(
                queue_url=self.queues[s.queue]["url"],
                queue_arn=self.queues[s.queue]["arn"],
                function=self.functions[s.function],
                batch_size=s.batch_size,
                report_batch_item_failures=s.report_batch_item_failures,
                batching_window=s.maximum_batching_window_seconds,
            )
            for s in sam.sqs_event_sources(template)
        ]
        # Cold start every function now: a broken import fails `serve` at once, not on first use.
        for fn in self.functions.values():
            fn.cold_start()

        # 5. Go ----------------------------------------------------------------------------------
        self.api.start()
        self.poller = SqsPoller(
            self.client("sqs"), bindings, visibility_timeout=opts.visibility_timeout
        ).start()
        from textloop_local.scheduler import ScheduleFirer

        self.scheduler = ScheduleFirer(
            self.client("scheduler"),
            self.client("sqs"),
            {q["arn"]: q["url"] for q in self.queues.values()},
            self.schedule_group,
        )
        if opts.fire_schedules:
            self.scheduler.start()
        log.info("textloop local stack up at %s (aws %s)", self.api.url, endpoint)

    def _create_aws_resources(self, template: Any) -> None:
        from textloop_local import template as sam

        self.tables = sam.create_tables(template, self.dynamodb, prefix=STACK_NAME)
        self.queues = sam.create_queues(template, self.client("sqs"), prefix=STACK_NAME)
        self.schedule_group = f"{STACK_NAME}-deferrals"  # DeferralScheduleGroup
        self.client("scheduler").create_schedule_group(Name=self.schedule_group)
        events = self.client("events")
        events.create_event_bus(Name=LOCAL_EVENT_BUS)
        resources = template["Resources"] if isinstance(template, dict) else {}
        for name in ("SalesforceChangeRule", "SalesforceOutcomeRule"):  # triggers; CRM outcomes
            if name not in resources:
                continue
            rule = sam.event_rule(template, name)
            arn = events.put_rule(
                Name=name,
                EventBusName=LOCAL_EVENT_BUS,
                EventPattern=json.dumps(rule.event_pattern),
                State="ENABLED",
                Description=rule.description or "",
            )["RuleArn"]
            self.rule_arns[name] = arn
            events.put_targets(
                Rule=name,
                EventBusName=LOCAL_EVENT_BUS,
                Targets=[{"Id": t.id, "Arn": self.queues[t.queue]["arn"]} for t in rule.targets],
            )
        self.rule_arn = self.rule_arns.get("SalesforceChangeRule", "")

    def stop(self) -> None:
        self.faults.stopping.set()  # held connections (timeout faults) end now
        for step in (
            lambda: self.scheduler and self.scheduler.stop(),
            lambda: self.poller and self.poller.stop(),
            lambda: self.api and self.api.stop(),
            lambda: self.twilio and self.twilio.stop(),
            lambda: self.hubspot and self.hubspot.stop(),
            *(lambda e=e: e.stop() for e in self.hubspot_portals.values() if e is not self.hubspot),
            lambda: self.salesforce and self.salesforce.stop(),
            lambda: self.aws_proxy and self.aws_proxy.stop(),
            lambda: self.moto and self.moto.stop(),
        ):
            try:
                step()
            except Exception:
                log.debug("stop step failed", exc_info=True)
        self.poller = None
        self.api = None
        self.twilio = self.hubspot = self.salesforce = self.moto = self.aws_proxy = None
        self.hubspot_portals = {}
        self._restore_env()
        if self._saved_modules is not None:
            _restore_textloop_modules(self._saved_modules)
            self._saved_modules = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # --- helpers ----------------------------------------------------------------------------

    def _state_endpoint(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(self.state(), indent=2, default=str).encode()
        return 200, {"Content-Type": "application/json"}, body

    def _env_endpoint(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        """The functions' environment (local endpoints and local-only credentials), so that another
        process — a benchmark, your own script — can run the handlers against this stack."""
        return 200, {"Content-Type": "application/json"}, json.dumps(self.env, indent=2).encode()

    def _add_fault(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        """``POST /_local/faults``: ``{"id": ...}``, or 400 ``{"errors": [...]}`` naming every problem."""
        from textloop_local.faults import FaultError, parse

        try:
            spec = parse(request.body)
            if spec.target in ("dynamodb", "sqs") and self.aws_proxy is None:
                raise FaultError(
                    [f"{spec.target} faults need the AWS fault proxy (StackOptions.aws_fault_proxy)"]
                )
            fault = self.faults.add(spec)
        except FaultError as bad:
            return 400, {"Content-Type": "application/json"}, json.dumps({"errors": bad.problems}).encode()
        return 201, {"Content-Type": "application/json"}, json.dumps({"id": fault}).encode()

    def _list_faults(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        body = {"faults": self.faults.snapshot()}
        return 200, {"Content-Type": "application/json"}, json.dumps(body, indent=2).encode()

    def _clear_faults(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        self.faults.clear()
        return 204, {}, b""

    @staticmethod
    def _reset_moto(endpoint: str) -> None:
        import requests

        # moto backends are process-global: a second stack in one process starts clean.
        requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()

    def _apply_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
            self.env[key] = value

    def _unset_env(self, key: str) -> None:
        self._saved_env.setdefault(key, os.environ.get(key))
        os.environ.pop(key, None)

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()


def sam_literal_globals(template: Any) -> dict[str, str]:
    """Literal (non-intrinsic) Globals.Function environment values of the template."""
    from textloop_local import template as sam

    getter = getattr(sam, "global_environment", None)
    if getter is None:
        return {}
    return {k: v for k, v in getter(template).items() if isinstance(v, str)}


def _is_app_module(name: str) -> bool:
    return name == "textloop" or name.startswith(("textloop.", "textloop_fn_"))


def _forget_textloop_modules() -> dict[str, Any]:
    """A cold start per stack: the app package reads its settings at import time.

    Returns the modules taken out, so that ``stop()`` can put the caller's world back (a test
    session that imported ``textloop`` before the stack keeps its own module objects).
    """
    saved = {name: module for name, module in sys.modules.items() if _is_app_module(name)}
    for name in saved:
        del sys.modules[name]
    return saved


def _restore_textloop_modules(saved: dict[str, Any]) -> None:
    for name in [n for n in sys.modules if _is_app_module(n)]:
        del sys.modules[name]
    sys.modules.update(saved)


def serve(port: int, host: str = "127.0.0.1", workdir: Path | None = None) -> int:
    """Run the stack until SIGINT/SIGTERM."""
    stop = threading.Event()

    def _signal(signum: int, _frame: object) -> None:
        log.info("signal %d: shutting down", signum)
        stop.set()

    previous = {s: signal.signal(s, _signal) for s in (signal.SIGINT, signal.SIGTERM)}
    stack = LocalStack(StackOptions(host=host, port=port, workdir=workdir))
    try:
        stack.start()
        print(f"textloop local stack: {stack.url}", flush=True)
        print(
            f"  POST {stack.url}/hubspot/webhooks   POST {stack.url}/twilio/status"
            f"   GET {stack.url}/_local/state   GET {stack.url}/_local/env"
        )
        print(f"  AWS (moto, behind the fault proxy): {stack.aws_endpoint}   bus: {LOCAL_EVENT_BUS}")
        print(f"  faults: POST/GET/DELETE {stack.url}/_local/faults (README: Fault injection)")
        print(
            f"  Salesforce: {stack.salesforce.url}   HubSpot: {stack.hubspot.url}   Twilio: {stack.twilio.url}"
        )
        print("  Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
        print("textloop local stack stopped", flush=True)
        for sig, handler in previous.items():
            with suppress(Exception):
                signal.signal(sig, handler)
    return 0
