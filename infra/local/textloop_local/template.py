"""template.yaml as data: the one source of truth for the local stack and the tests.

Reads the SAM template (tolerating CloudFormation short tags such as ``!Ref``/``!Sub``/``!GetAtt``) and
exposes what the local runner and the tests need: DynamoDB tables (and creating them through any boto3
DynamoDB client), SQS queues (and creating them), HttpApi routes, SQS event sources, functions (with
Globals merged) and EventBridge rule patterns with parameter defaults substituted.

Local-only (never deployed). Depends on PyYAML only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import yaml

__all__ = [
    "CfnLoader",
    "EventRule",
    "FunctionSpec",
    "QueueSpec",
    "Resolver",
    "Route",
    "RuleTarget",
    "SqsEventSource",
    "TableSpec",
    "UnresolvedError",
    "create_queues",
    "create_tables",
    "event_rule",
    "event_rule_pattern",
    "find_template",
    "functions",
    "global_environment",
    "http_routes",
    "load",
    "load_template",
    "parameter_defaults",
    "queues",
    "routes",
    "sqs_event_sources",
    "tables",
]

TEMPLATE_ENV = "TEXTLOOP_TEMPLATE"

# ------------------------------------------------------------------------------------------- loading


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags into their long (JSON) form."""


def _construct_cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_cfn_tag)


def find_template(start: Path | None = None) -> Path:
    """Locate template.yaml: $TEXTLOOP_TEMPLATE, then upwards from ``start``/cwd, then from this file."""
    env = os.environ.get(TEMPLATE_ENV)
    if env:
        return Path(env)
    for base in (start or Path.cwd(), Path(__file__).resolve()):
        for directory in (base, *base.parents):
            candidate = directory / "template.yaml"
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"template.yaml not found (set {TEMPLATE_ENV})")


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader
    if not isinstance(data, dict) or "Resources" not in data:
        raise ValueError(f"{path} is not a CloudFormation template")
    return data


def load_template(path: str | Path | None = None) -> dict[str, Any]:
    """Parse template.yaml (cached per path and modification time). Treat the result as read-only."""
    p = Path(path) if path is not None else find_template()
    return _load_cached(str(p.resolve()), p.stat().st_mtime_ns)


load = load_template


def _tpl(template: Mapping[str, Any] | str | Path | None) -> Mapping[str, Any]:
    if template is None or isinstance(template, str | Path):
        return load_template(template)
    return template


def _resources(template: Mapping[str, Any], type_: str) -> dict[str, Mapping[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == type_
    }


# ------------------------------------------------------------------------------------- intrinsics


def parameter_defaults(template: Mapping[str, Any] | str | Path | None = None) -> dict[str, Any]:
    """Parameter name → default (CommaDelimitedList defaults become lists; no default → absent)."""
    result: dict[str, Any] = {}
    for name, spec in _tpl(template).get("Parameters", {}).items():
        if "Default" not in spec:
            continue
        default = spec["Default"]
        if spec.get("Type") == "CommaDelimitedList" or str(spec.get("Type", "")).startswith("List<"):
            result[name] = [item.strip() for item in str(default).split(",")] if default != "" else []
        else:
            result[name] = str(default) if isinstance(default, int | float) else default
    return result


class UnresolvedError(LookupError):
    """An intrinsic refers to something the caller did not supply."""


_PSEUDO_DEFAULTS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "textloop",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/textloop/local",
}

_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


@dataclass
class Resolver:
    """Evaluates the intrinsic functions the template uses, the way CloudFormation would.

    ``refs`` maps a logical id (``Ref``) or ``LogicalId.Attribute`` (``Fn::GetAtt``) to its local value;
    parameters come from ``parameters`` over the template's defaults; ``strict=False`` leaves anything
    unknown as the raw intrinsic instead of raising :class:`UnresolvedError`.
    """

    template: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    refs: Mapping[str, Any] = field(default_factory=dict)
    strict: bool = True

    def __post_init__(self) -> None:
        self._params: dict[str, Any] = {
            **_PSEUDO_DEFAULTS,
            **parameter_defaults(self.template),
            **dict(self.parameters),
        }
        for name, spec in self.template.get("Parameters", {}).items():
            value = self._params.get(name)
            if isinstance(value, str) and spec.get("Type") == "CommaDelimitedList":
                self._params[name] = [item.strip() for item in value.split(",")] if value else []

    # -- public
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value if not _is_no_value(item)]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._INTRINSICS.get(key)
            if handler is not None:
                return handler(self, arg)
        return {k: self.resolve(v) for k, v in value.items() if not _is_no_value(v)}

    def condition(self, name: str) -> bool:
        spec = self.template.get("Conditions", {}).get(name)
        if spec is None:
            raise UnresolvedError(f"unknown condition {name}")
        return bool(self._eval_condition(spec))

    # -- intrinsics
    def _ref(self, name: str) -> Any:
        if name in self._params:
            return self._params[name]
        if name in self.refs:
            return self.refs[name]
        return self._unresolved({"Ref": name})

    def _get_att(self, arg: Any) -> Any:
        logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else self.resolve(arg)
        key = f"{logical_id}.{attribute}"
        if key in self.refs:
            return self.refs[key]
        return self._unresolved({"Fn::GetAtt": [logical_id, attribute]})

    def _sub(self, arg: Any) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
        unresolved = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1).strip()
            if name in variables:
                return str(variables[name])
            value = self._get_att(name) if "." in name and not name.startswith("AWS::") else self._ref(name)
            if isinstance(value, dict):
                unresolved = True
                return match.group(0)
            return ",".join(value) if isinstance(value, list) else str(value)

        result = _SUB_VAR.sub(replace, text).replace("${!", "${")
        return {"Fn::Sub": result} if unresolved else result

    def _if(self, arg: list[Any]) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _join(self, arg: list[Any]) -> Any:
        sep, items = arg[0], self.resolve(arg[1])
        return sep.join(str(i) for i in items)

    def _select(self, arg: list[Any]) -> Any:
        index, items = int(self.resolve(arg[0])), self.resolve(arg[1])
        return items[index]

    def _split(self, arg: list[Any]) -> Any:
        sep, text = arg[0], self.resolve(arg[1])
        return str(text).split(sep)

    def _eval_condition(self, spec: Any) -> Any:
        if isinstance(spec, dict) and len(spec) == 1:
            ((key, arg),) = spec.items()
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return left == right
            if key == "Fn::Not":
                return not self._eval_condition(arg[0])
            if key == "Fn::And":
                return all(self._eval_condition(a) for a in arg)
            if key == "Fn::Or":
                return any(self._eval_condition(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        return self.resolve(spec)

    def _unresolved(self, raw: dict[str, Any]) -> Any:
        if self.strict:
            raise UnresolvedError(f"cannot resolve {raw}")
        return raw

    _INTRINSICS: ClassVar[Mapping[str, Callable[[Resolver, Any], Any]]] = {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::Sub": _sub,
        "Fn::If": _if,
        "Fn::Join": _join,
        "Fn::Select": _select,
        "Fn::Split": _split,
    }


def _is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}


# ------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    billing_mode: str = "PROVISIONED"
    global_secondary_indexes: list[dict[str, Any]] = field(default_factory=list)
    local_secondary_indexes: list[dict[str, Any]] = field(default_factory=list)
    ttl_attribute: str | None = None
    stream_view_type: str | None = None
    provisioned_throughput: dict[str, int] | None = None
    deletion_protection: bool = False
    point_in_time_recovery: bool = False

    @property
    def hash_key(self) -> str:
        return next(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")

    @property
    def range_key(self) -> str | None:
        return next((k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE"), None)

    def create_table_kwargs(self, table_name: str) -> dict[str, Any]:
        """Keyword arguments for ``dynamodb_client.create_table`` (TTL needs a second call)."""
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "KeySchema": self.key_schema,
            "AttributeDefinitions": self.attribute_definitions,
            "BillingMode": self.billing_mode,
        }
        if self.billing_mode == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = self.provisioned_throughput or {
                "ReadCapacityUnits": 5,
                "WriteCapacityUnits": 5,
            }
        if self.global_secondary_indexes:
            kwargs["GlobalSecondaryIndexes"] = self.global_secondary_indexes
        if self.local_secondary_indexes:
            kwargs["LocalSecondaryIndexes"] = self.local_secondary_indexes
        if self.stream_view_type:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream_view_type}
        return kwargs


def tables(template: Mapping[str, Any] | str | Path | None = None) -> dict[str, TableSpec]:
    """Every ``AWS::DynamoDB::Table`` of the template, by logical id."""
    result: dict[str, TableSpec] = {}
    for logical_id, resource in _resources(_tpl(template), "AWS::DynamoDB::Table").items():
        props = resource.get("Properties", {})
        billing_mode = props.get("BillingMode", "PROVISIONED")
        gsis = []
        for gsi in props.get("GlobalSecondaryIndexes", []):
            index = {k: gsi[k] for k in ("IndexName", "KeySchema", "Projection") if k in gsi}
            if billing_mode == "PROVISIONED":
                index["ProvisionedThroughput"] = gsi.get(
                    "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
                )
            gsis.append(index)
        lsis = [
            {k: lsi[k] for k in ("IndexName", "KeySchema", "Projection") if k in lsi}
            for lsi in props.get("LocalSecondaryIndexes", [])
        ]
        ttl = props.get("TimeToLiveSpecification") or {}
        stream = props.get("StreamSpecification") or {}
        throughput = props.get("ProvisionedThroughput")
        result[logical_id] = TableSpec(
            logical_id=logical_id,
            key_schema=[dict(k) for k in props["KeySchema"]],
            attribute_definitions=[dict(a) for a in props["AttributeDefinitions"]],
            billing_mode=billing_mode,
            global_secondary_indexes=gsis,
            local_secondary_indexes=lsis,
            ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled", False) else None,
            stream_view_type=stream.get("StreamViewType"),
            provisioned_throughput={k: int(v) for k, v in throughput.items()} if throughput else None,
            deletion_protection=bool(props.get("DeletionProtectionEnabled", False)),
            point_in_time_recovery=bool(
                (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled", False)
            ),
        )
    return result


def _namer(
    prefix: str | None, suffix: str, name_for: Callable[[str], str] | Mapping[str, str] | None
) -> Callable[[str], str]:
    if name_for is not None:
        return name_for if callable(name_for) else name_for.__getitem__
    return lambda logical_id: f"{prefix}-{logical_id}{suffix}" if prefix else f"{logical_id}{suffix}"


def create_tables(
    template: Mapping[str, Any] | str | Path | None,
    dynamodb_client: Any,
    *,
    prefix: str | None = None,
    suffix: str = "",
    name_for: Callable[[str], str] | Mapping[str, str] | None = None,
    exist_ok: bool = True,
) -> dict[str, str]:
    """Create every template table through ``dynamodb_client``; return logical id → table name.

    Physical name: ``name_for(logical_id)`` if given, else ``[<prefix>-]<LogicalId><suffix>``. TTL is
    enabled with ``update_time_to_live`` as CloudFormation does.
    """
    namer = _namer(prefix, suffix, name_for)
    created: dict[str, str] = {}
    for logical_id, spec in tables(template).items():
        table_name = namer(logical_id)
        try:
            dynamodb_client.create_table(**spec.create_table_kwargs(table_name))
        except dynamodb_client.exceptions.ResourceInUseException:
            if not exist_ok:
                raise
        else:
            dynamodb_client.get_waiter("table_exists").wait(
                TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
            )
            if spec.ttl_attribute:
                dynamodb_client.update_time_to_live(
                    TableName=table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
                )
        created[logical_id] = table_name
    return created


# ------------------------------------------------------------------------------------------ queues


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    visibility_timeout: int | None = None
    message_retention_period: int | None = None
    fifo: bool = False
    dead_letter_logical_id: str | None = None
    max_receive_count: int | None = None

    def attributes(self, dead_letter_arn: str | None = None) -> dict[str, str]:
        """SQS ``create_queue`` Attributes (the redrive policy needs the DLQ's ARN)."""
        attrs: dict[str, str] = {}
        if self.visibility_timeout is not None:
            attrs["VisibilityTimeout"] = str(self.visibility_timeout)
        if self.message_retention_period is not None:
            attrs["MessageRetentionPeriod"] = str(self.message_retention_period)
        if self.fifo:
            attrs["FifoQueue"] = "true"
        if self.dead_letter_logical_id and dead_letter_arn:
            attrs["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": str(self.max_receive_count or 5)}
            )
        return attrs


def _logical_id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def queues(template: Mapping[str, Any] | str | Path | None = None) -> dict[str, QueueSpec]:
    """Every ``AWS::SQS::Queue``, dead-letter queues first (creation order)."""
    found: dict[str, QueueSpec] = {}
    for logical_id, resource in _resources(_tpl(template), "AWS::SQS::Queue").items():
        props = resource.get("Properties", {})
        redrive = props.get("RedrivePolicy") or {}
        found[logical_id] = QueueSpec(
            logical_id=logical_id,
            visibility_timeout=int(props["VisibilityTimeout"]) if "VisibilityTimeout" in props else None,
            message_retention_period=(
                int(props["MessageRetentionPeriod"]) if "MessageRetentionPeriod" in props else None
            ),
            fifo=bool(props.get("FifoQueue", False)),
            dead_letter_logical_id=_logical_id_of(redrive.get("deadLetterTargetArn")),
            max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
        )
    return dict(sorted(found.items(), key=lambda item: item[1].dead_letter_logical_id is not None))


def create_queues(
    template: Mapping[str, Any] | str | Path | None,
    sqs_client: Any,
    *,
    prefix: str | None = None,
    suffix: str = "",
    name_for: Callable[[str], str] | Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """Create every template queue (DLQs first, redrive wired).

    Returns logical id → ``{"url", "arn", "name"}``; names as in :func:`create_tables`.
    """
    namer = _namer(prefix, suffix, name_for)
    created: dict[str, dict[str, str]] = {}
    for logical_id, spec in queues(template).items():
        name = namer(logical_id)
        if spec.fifo and not name.endswith(".fifo"):
            name += ".fifo"
        dlq = created.get(spec.dead_letter_logical_id) if spec.dead_letter_logical_id else None
        url = sqs_client.create_queue(
            QueueName=name, Attributes=spec.attributes(dlq["arn"] if dlq else None)
        )["QueueUrl"]
        arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        created[logical_id] = {"url": url, "arn": arn, "name": name}
    return created


# --------------------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    timeout: int | None
    memory_size: int | None
    environment: dict[str, Any]
    events: dict[str, dict[str, Any]]

    @property
    def module(self) -> str:
        """``app`` for ``app.handler``."""
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_function(self) -> str:
        """``handler`` for ``app.handler``."""
        return self.handler.rsplit(".", 1)[1]


def global_environment(template: Mapping[str, Any] | str | Path | None = None) -> dict[str, Any]:
    """``Globals.Function.Environment.Variables`` as written (intrinsics unresolved; see Resolver)."""
    glob = _tpl(template).get("Globals", {}).get("Function", {})
    return dict(glob.get("Environment", {}).get("Variables", {}) or {})


def functions(template: Mapping[str, Any] | str | Path | None = None) -> list[FunctionSpec]:
    """Every ``AWS::Serverless::Function`` with Globals merged (environment left unresolved)."""
    tpl = _tpl(template)
    glob = tpl.get("Globals", {}).get("Function", {})
    result: list[FunctionSpec] = []
    for logical_id, resource in _resources(tpl, "AWS::Serverless::Function").items():
        own = resource.get("Properties", {})
        props = {**glob, **own}
        env = {**global_environment(tpl), **(own.get("Environment", {}).get("Variables", {}) or {})}
        result.append(
            FunctionSpec(
                logical_id=logical_id,
                code_uri=str(props.get("CodeUri", "")).rstrip("/"),
                handler=str(props.get("Handler", "")),
                timeout=int(props["Timeout"]) if "Timeout" in props else None,
                memory_size=int(props["MemorySize"]) if "MemorySize" in props else None,
                environment=env,
                events=dict(own.get("Events", {}) or {}),
            )
        )
    return result


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    """Logical id of the function."""
    code_uri: str
    handler: str
    api: str | None = None
    """Logical id of the HttpApi (None: the implicit API)."""


def http_routes(template: Mapping[str, Any] | str | Path | None = None) -> list[Route]:
    """HttpApi (and Api) event routes → function, sorted by path."""
    result: list[Route] = []
    for fn in functions(template):
        for event in fn.events.values():
            if event.get("Type") not in ("HttpApi", "Api"):
                continue
            props = event.get("Properties", {}) or {}
            result.append(
                Route(
                    method=str(props.get("Method", "ANY")).upper(),
                    path=str(props.get("Path", "$default")),
                    function=fn.logical_id,
                    code_uri=fn.code_uri,
                    handler=fn.handler,
                    api=_logical_id_of(props.get("ApiId") or props.get("RestApiId")),
                )
            )
    return sorted(result, key=lambda r: (r.path, r.method))


routes = http_routes


@dataclass(frozen=True)
class SqsEventSource:
    queue: str
    """Logical id of the queue."""
    function: str
    """Logical id of the consuming function."""
    code_uri: str
    handler: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_batching_window_seconds: int = 0


def sqs_event_sources(template: Mapping[str, Any] | str | Path | None = None) -> list[SqsEventSource]:
    """SQS event sources: queue logical id → consuming function."""
    result: list[SqsEventSource] = []
    for fn in functions(template):
        for event in fn.events.values():
            if event.get("Type") != "SQS":
                continue
            props = event.get("Properties", {}) or {}
            queue_id = _logical_id_of(props.get("Queue"))
            if queue_id is None:
                raise ValueError(f"{fn.logical_id}: SQS event Queue must be !GetAtt <Queue>.Arn")
            result.append(
                SqsEventSource(
                    queue=queue_id,
                    function=fn.logical_id,
                    code_uri=fn.code_uri,
                    handler=fn.handler,
                    batch_size=int(props.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (props.get("FunctionResponseTypes") or []),
                    maximum_batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                )
            )
    return result


# ------------------------------------------------------------------------------------- EventBridge


@dataclass(frozen=True)
class RuleTarget:
    id: str
    queue: str
    """Logical id of the target queue (``Arn: !GetAtt <Queue>.Arn``)."""
    dead_letter_queue: str | None = None
    retry_policy: dict[str, int] | None = None


@dataclass(frozen=True)
class EventRule:
    logical_id: str
    event_pattern: dict[str, Any]
    """Plain JSON data, parameters substituted."""
    description: str | None
    event_bus_name: Any
    targets: list[RuleTarget]


def event_rule(
    template: Mapping[str, Any] | str | Path | None = None,
    logical_id: str = "SalesforceChangeRule",
    *,
    parameters: Mapping[str, Any] | None = None,
) -> EventRule:
    """An ``AWS::Events::Rule`` with its pattern resolved (parameter defaults, then ``parameters``)."""
    tpl = _tpl(template)
    resource = tpl["Resources"][logical_id]
    if resource.get("Type") != "AWS::Events::Rule":
        raise ValueError(f"{logical_id} is not an AWS::Events::Rule")
    props = resource["Properties"]
    resolver = Resolver(tpl, parameters=parameters or {}, strict=False)
    pattern = Resolver(tpl, parameters=parameters or {}).resolve(props["EventPattern"])
    if not isinstance(pattern, dict):
        raise ValueError(f"{logical_id}: EventPattern is not a mapping")
    targets = []
    for target in props.get("Targets", []):
        queue = _logical_id_of(target.get("Arn"))
        if queue is None:
            raise ValueError(f"{logical_id}: target {target.get('Id')} Arn must be !GetAtt <Queue>.Arn")
        targets.append(
            RuleTarget(
                id=str(target["Id"]),
                queue=queue,
                dead_letter_queue=_logical_id_of((target.get("DeadLetterConfig") or {}).get("Arn")),
                retry_policy=dict(target["RetryPolicy"]) if target.get("RetryPolicy") else None,
            )
        )
    description = props.get("Description")
    return EventRule(
        logical_id=logical_id,
        event_pattern=pattern,
        description=str(description).strip() if description else None,
        event_bus_name=resolver.resolve(props.get("EventBusName", "default")),
        targets=targets,
    )


def event_rule_pattern(
    template: Mapping[str, Any] | str | Path | None = None,
    logical_id: str = "SalesforceChangeRule",
    *,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The rule's EventPattern as plain JSON data, parameters (defaults, then overrides) substituted."""
    return event_rule(template, logical_id, parameters=parameters).event_pattern
