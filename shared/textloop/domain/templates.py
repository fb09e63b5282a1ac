"""Rendering approved templates in a Jinja2 sandbox where an undefined variable is an error.

Merge values are normalised to GSM-7 first (:func:`textloop.domain.segments.to_gsm7`) and cut to the
template's declared ``max_lengths``, so that a CRM field's em dash or long name does not make the
message UCS-2 or longer than the template was linted for."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.sandbox import SandboxedEnvironment

from textloop.domain.errors import MissingMergeField, TemplateError
from textloop.domain.model import MessageContext, Person
from textloop.domain.rules import NAME_FIELDS, Rule, Template
from textloop.domain.segments import to_gsm7

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


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
    record: dict[str, Any] = {}
    for name, value in fields.items():  # a related record's field (Account.Seats_Used__c) nests
        relationship, dot, leaf = name.partition(".")
        if not dot:
            record[name] = value
        elif isinstance(record.setdefault(relationship, {}), dict):
            record[relationship][leaf] = value
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


def prepare_value(value: str) -> str:
    """One merge value as a message carries it: GSM-7-normalised, its whitespace collapsed."""
    return " ".join(to_gsm7(value).split())


def prepare(template: Template, variables: dict[str, Any]) -> dict[str, Any]:
    """The merge values as the template sees them: GSM-7-normalised, cut to the declared maximum lengths."""

    def clean(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {k: clean(v, f"{path}.{k}" if path else k) for k, v in value.items()}
        if not isinstance(value, str):
            return value
        value = prepare_value(value)
        limit = template.max_lengths.get(path)
        return value[:limit].rstrip() if limit is not None else value

    return {k: clean(v, k) for k, v in variables.items()}


def render(template: Template, variables: dict[str, Any]) -> str:
    try:
        body: str = _compiled(template.body).render(**prepare(template, variables))
    except UndefinedError as exc:
        raise MissingMergeField(f"template {template.id} v{template.version}: {exc.message}") from None
    except (JinjaTemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        # a sandbox refusal, or an expression that fails on these values ({{ a / b }} with b 0,
        # a filter given the wrong type): this message cannot be rendered, the event is skipped.
        # Only the error's type: its text may quote a merge value (a name, a number).
        raise TemplateError(
            f"template {template.id} v{template.version} failed to render: {type(exc).__name__}"
        ) from None
    body = " ".join(body.split())
    if not body:
        raise TemplateError(f"template {template.id} rendered an empty message")
    return body
