"""``textloop privacy``: everything Textloop holds about one number, exported or erased.

    textloop privacy export +E164 [--stack-url URL | --stack-name NAME [--region R]]
    textloop privacy erase  +E164 [--yes] [--stack-url URL | --stack-name NAME [--region R]]

Which stack:

- ``--stack-url http://127.0.0.1:PORT``: a local stack (``textloop serve``); its functions' environment
  comes from ``GET /_local/env`` (moto endpoint, local credentials, table names, ``PRIVACY_HASH_KEY``
  when the stack was given one);
- ``--stack-name NAME``: a deployed stack, with your default AWS credentials; the tables and the
  privacy secret come from its CloudFormation outputs (``StateTableName``, ``ConsentTableName``,
  ``PrivacySecretId``);
- neither: the environment (``STATE_TABLE``, ``CONSENT_TABLE``, ``PRIVACY_SECRET_ID`` or
  ``PRIVACY_HASH_KEY``, and ``AWS_ENDPOINT_URL`` if you use one).

``PRIVACY_HASH_KEY`` in your own environment is used when the stack does not say. Export prints one
JSON object (the number is its subject); erase prints what it deleted and kept, by keyed hash, without
the number. Nothing is logged. Exit codes: 0 done, 1 failed or not confirmed, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from textloop_local.stack_access import Unusable
from textloop_local.stack_access import local_env as _local_env

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Target:
    """Where the stack's data is, and how to reach it."""

    name: str  # for the confirmation prompt
    state_table: str
    consent_table: str
    client: dict[str, str]  # boto3 client arguments (endpoint, region, local credentials)
    hash_key: Callable[[], str] | None  # the privacy key, read on use
    history_inline: int = 50


def add_privacy(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("privacy", help="export or erase everything held about one phone number")
    actions = p.add_subparsers(dest="privacy_command", required=True)
    for name, text in (
        ("export", "print everything held about the number as one JSON object"),
        ("erase", "delete bodies, history and messages; keep only a keyed hash of an opt-out"),
    ):
        a = actions.add_parser(name, help=text, description=text)
        a.add_argument("phone", type=_e164, help="the number in E.164, e.g. +14155550100")
        where = a.add_mutually_exclusive_group()
        where.add_argument("--stack-url", help="a local stack (textloop serve), e.g. http://127.0.0.1:8787")
        where.add_argument("--stack-name", help="a deployed stack (CloudFormation), default AWS credentials")
        a.add_argument("--region", default=None, help="AWS region of --stack-name (default: your AWS config)")
        if name == "erase":
            a.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        a.set_defaults(func=_run)


def _e164(value: str) -> str:
    from textloop.domain.errors import BadRequest
    from textloop.service_layer.privacy import e164

    try:
        return e164(value)
    except BadRequest as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    try:
        target = resolve(args.stack_url, args.stack_name, args.region, os.environ)
        privacy = build(target)
        if args.privacy_command == "export":
            result = privacy.export(args.phone)
        else:
            if not args.yes and not _confirmed(args.phone, target):
                print("textloop privacy: not erased (not confirmed)", file=sys.stderr)
                return 1
            result = privacy.erase(args.phone, source="textloop privacy erase")
    except Unusable as exc:
        print(f"textloop privacy: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an AWS or network failure: say what, never the number
        print(
            f"textloop privacy: {args.privacy_command} failed: {type(exc).__name__}: {exc}", file=sys.stderr
        )
        return 1
    json.dump(result, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


def _confirmed(phone: str, target: Target) -> bool:
    if not sys.stdin.isatty():
        raise Unusable("erase needs --yes when stdin is not a terminal")
    answer = input(f'Erase everything held about {phone} in {target.name}? Type "erase" to confirm: ')
    return answer.strip() == "erase"


def resolve(
    stack_url: str | None, stack_name: str | None, region: str | None, env: Mapping[str, str]
) -> Target:
    """The stack's tables, AWS endpoint and privacy key: local stack, deployed stack or environment."""
    own_key = env.get("PRIVACY_HASH_KEY") or ""
    if stack_url:
        stack = _local_env(stack_url)
        key = stack.get("PRIVACY_HASH_KEY") or own_key
        return Target(
            name=f"the local stack {stack_url}",
            state_table=_required(stack, "STATE_TABLE", stack_url),
            consent_table=_required(stack, "CONSENT_TABLE", stack_url),
            client={
                "endpoint_url": _required(stack, "AWS_ENDPOINT_URL", stack_url),
                "region_name": stack.get("AWS_REGION") or stack.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
                "aws_access_key_id": stack.get("AWS_ACCESS_KEY_ID", "testing"),
                "aws_secret_access_key": stack.get("AWS_SECRET_ACCESS_KEY", "testing"),
            },
            hash_key=(lambda: key) if key else None,
            history_inline=int(stack.get("CONSENT_HISTORY_INLINE") or 50),
        )
    client = {"region_name": region} if region else {}
    if stack_name:
        outputs = _stack_outputs(stack_name, client)
        secret = outputs.get("PrivacySecretId", "")
        return Target(
            name=f"the stack {stack_name}",
            state_table=_required(outputs, "StateTableName", f"stack {stack_name} outputs"),
            consent_table=_required(outputs, "ConsentTableName", f"stack {stack_name} outputs"),
            client=client,
            hash_key=_secret_key(secret, client) if secret else (lambda: own_key) if own_key else None,
        )
    secret = env.get("PRIVACY_SECRET_ID") or ""
    return Target(
        name="the tables named by STATE_TABLE and CONSENT_TABLE",
        state_table=_required(env, "STATE_TABLE", "the environment (or pass --stack-url/--stack-name)"),
        consent_table=_required(env, "CONSENT_TABLE", "the environment (or pass --stack-url/--stack-name)"),
        client=client,
        hash_key=_secret_key(secret, client) if secret else (lambda: own_key) if own_key else None,
        history_inline=int(env.get("CONSENT_HISTORY_INLINE") or 50),
    )


def build(target: Target) -> Any:
    """The privacy service on the target's tables (the same adapters the functions use)."""
    import boto3

    from textloop.adapters.dynamodb import CLIENT_CONFIG, DynamoConsentLedger
    from textloop.adapters.privacy import DynamoPrivacyStore
    from textloop.service_layer.privacy import KeyedHash, Privacy

    dynamodb = boto3.client("dynamodb", config=CLIENT_CONFIG, **target.client)
    hasher = KeyedHash(target.hash_key) if target.hash_key else None
    ledger = DynamoConsentLedger(
        target.consent_table, dynamodb, history_inline=target.history_inline, hasher=hasher
    )
    return Privacy(DynamoPrivacyStore(target.state_table, dynamodb), ledger, hasher)


def _stack_outputs(name: str, client: dict[str, str]) -> dict[str, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = boto3.client("cloudformation", **client).describe_stacks(StackName=name)["Stacks"]
    except (BotoCoreError, ClientError) as exc:
        raise Unusable(f"cannot read the stack {name}: {exc}") from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _secret_key(secret_id: str, client: dict[str, str]) -> Callable[[], str]:
    def read() -> str:
        import boto3

        value = boto3.client("secretsmanager", **client).get_secret_value(SecretId=secret_id)["SecretString"]
        key = json.loads(value).get("hash_key") if value.startswith("{") else None
        if not key:
            raise Unusable(f"the secret {secret_id} has no 'hash_key'")
        return str(key)

    return read


def _required(values: Mapping[str, str], name: str, where: str) -> str:
    value = values.get(name)
    if not value:
        raise Unusable(f"{name} is not set in {where}")
    return value
