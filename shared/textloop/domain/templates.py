"""Rendering approved templates in a Jinja2 sandbox where an undefined variable is an error."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from textloop.domain.errors import MissingMergeField, TemplateError
from textloop.domain.model import MessageContext, Person
from textloop.domain.rules import NAME_FIELDS, Rule, Template

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

# GSM 03.38 basic set plus its extension table; anything else makes the SMS UCS-2.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXT = set("^{}\\[~]|€\f")


@lru_cache(maxsize=64)
def _compiled(source: str) -> Any:
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template does not compile: {exc.message}") from None


def validate(template: Template) -> None:
    """Fail at cold start, not on a customer's phone."""
    _compiled(template.body)


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values so that a blank CRM field is *undefined*, not an empty string."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def _person(person: Person | None) -> dict[str, Any]:
    if person is None:
        return {}
    return _present({"first_name": person.first_name, "last_name": person.last_name, "name": person.name})


def merge_fields(rule: Rule, context: MessageContext, brand: str) -> dict[str, Any]:
    fields = _present(dict(context.fields))
    link = (fields.get(rule.link_field) if rule.link_field else None) or rule.link_default
    record = dict(fields)
    if NAME_FIELDS[rule.object_type] in fields:
        record["name"] = fields[NAME_FIELDS[rule.object_type]]
    return _present(
        {
            "brand": brand,
            "contact": _person(context.recipient),
            "owner": _person(context.owner),
            "record": record,
            "account": _present({"name": context.account_name}),
            "link": link,
        }
    )


def render(template: Template, variables: dict[str, Any]) -> str:
    try:
        body: str = _compiled(template.body).render(**variables)
    except UndefinedError as exc:
        raise MissingMergeField(f"template {template.id} v{template.version}: {exc.message}") from None
    body = " ".join(body.split())
    if not body:
        raise TemplateError(f"template {template.id} rendered an empty message")
    return body


def segments(body: str) -> tuple[str, int]:
    """(encoding, segment count) the way carriers bill it: GSM-7 160/153, UCS-2 70/67."""
    if all(c in _GSM7 or c in _GSM7_EXT for c in body):
        units = sum(2 if c in _GSM7_EXT else 1 for c in body)
        return "GSM-7", 1 if units <= 160 else -(-units // 153)
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in body)
    return "UCS-2", 1 if units <= 70 else -(-units // 67)
