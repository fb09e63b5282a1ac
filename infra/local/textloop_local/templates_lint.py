"""``textloop templates lint [--triggers FILE] [--price-per-segment 0.0079]``: what each template costs.

Every template is rendered, for every rule that names it (as its template, a segment's, or an A/B
arm's: every variant's template is rendered), with the longest realistic value of each
merge field: the longest in the emulators' seed data (``emulators/seed.py``; the rule's trigger
value for its trigger field), or a value of the declared maximum length (``max_lengths``),
normalised to GSM-7 the way the dispatcher does it. The link is the tracked link the message carries,
as long as any: ``<link domain>/l/`` and an 8-character code (``--link-domain``, default
``$LINK_DOMAIN``, else ``$PUBLIC_BASE_URL``, else the example custom domain ``go.acme.example``;
``off``: the CRM's own longest link). The worst rendering of a
template is held to its declarations. A template fails when it

- has more or fewer than one link;
- needs more segments than it declares (``segments``, default 1: 160 GSM-7 units);
- would be sent as UCS-2 without declaring ``encoding: ucs2``;
- lacks the opt-out line ("Reply STOP to opt out" or an equivalent): every template may be the
  first message a number gets;
- uses a field no rule fetches and no merge variable provides (StrictUndefined);
- does not compile.

A table goes to stdout (template, version, tag, status, encoding, characters, segments, estimated
price per 1,000 sends), the failures after it; exit code 1 when any template fails.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from textloop.config import ConfigError, Settings
from textloop.domain import links, templates
from textloop.domain.errors import MissingMergeField, TemplateError
from textloop.domain.model import MessageContext, Person, RecordRef
from textloop.domain.rules import Rule, RuleSet, Template
from textloop.domain.segments import US_PRICE_PER_SEGMENT, Segments, count
from textloop_local.emulators import seed

DEFAULT_BRAND = "Acme Cloud"  # the local stack's BRAND_NAME (serve.LOCAL_DEFAULTS)
DEFAULT_LINK_BASE = "https://go.acme.example"  # the documented example link domain (README: Tracked links)
LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
OPT_OUT = re.compile(
    r"\b(?:reply|text|txt|send)\s+STOP\b[^.!?]{0,20}?\b(?:to\s+)?(?:opt[- ]?out|unsubscribe|end|stop|cancel|quit)\b"
    r"|\bSTOP\s+to\s+(?:opt[- ]?out|unsubscribe|end|cancel|quit)\b",
    re.IGNORECASE,
)
_SALESFORCE_OBJECTS = {"opportunity": "Opportunity", "case": "Case", "contract": "Contract"}
_HUBSPOT_OBJECTS = {"deal": "deals", "ticket": "tickets"}


@dataclass
class Linted:
    template: Template
    body: str  # the worst (most expensive) rendering
    cost: Segments
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def price_per_1000(self, per_segment: float) -> float:
        return self.cost.segments * per_segment * 1000


# ------------------------------------------------------------------------- the longest seed values


def _longest(values: Iterable[Any]) -> str:
    texts = [str(v) for v in values if v not in (None, "")]
    return max(texts, key=lambda v: count(templates.prepare_value(v)).characters, default="")


def _records(rule: Rule) -> list[dict[str, Any]]:
    """The seed records of the rule's object, a Salesforce record's account fields under ``Account.<field>``
    (what the gateway reads through the Account relationship)."""
    if rule.crm == "salesforce":
        accounts = {a["Id"]: a for a in seed.SALESFORCE["Account"]}
        records = seed.SALESFORCE.get(_SALESFORCE_OBJECTS.get(rule.object_type, ""), [])
        return [
            {**r, **{f"Account.{k}": v for k, v in accounts.get(r.get("AccountId"), {}).items()}}
            for r in records
        ]
    kind = _HUBSPOT_OBJECTS.get(rule.object_type, "")
    return [o["properties"] for portal in (seed.HUBSPOT, seed.HUBSPOT_2) for o in portal.get(kind, [])]


def _people(crm: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(contacts, owners) with first_name, last_name and company, whatever the CRM calls them."""
    if crm == "salesforce":
        accounts = {a["Id"]: a["Name"] for a in seed.SALESFORCE["Account"]}
        contacts = [
            {
                "first": c.get("FirstName"),
                "last": c.get("LastName"),
                "company": accounts.get(c.get("AccountId")),
            }
            for c in seed.SALESFORCE["Contact"]
        ]
        owners = [{"first": u.get("FirstName"), "last": u.get("LastName")} for u in seed.SALESFORCE["User"]]
        return contacts, owners
    contacts = [
        {"first": p.get("firstname"), "last": p.get("lastname"), "company": p.get("company")}
        for portal in (seed.HUBSPOT, seed.HUBSPOT_2)
        for p in (c["properties"] for c in portal["contacts"])
    ]
    owners = [
        {"first": o.get("firstName"), "last": o.get("lastName")}
        for o in (*seed.HUBSPOT_OWNERS, *seed.HUBSPOT_2_OWNERS)
    ]
    return contacts, owners


def worst_case(rule: Rule) -> MessageContext:
    """The message context with the longest realistic value of every field the rule fetches."""
    records = _records(rule)
    fields: dict[str, Any] = {name: _longest(r.get(name) for r in records) for name in rule.fields}
    fields[rule.field] = _longest(rule.equals)
    if rule.link_field:
        fields[rule.link_field] = _longest([fields[rule.link_field], rule.link_default])
    contacts, owners = _people(rule.crm)
    contact = Person(
        "lint-contact", _longest(c["first"] for c in contacts), _longest(c["last"] for c in contacts)
    )
    owner = Person("lint-owner", _longest(o["first"] for o in owners), _longest(o["last"] for o in owners))
    return MessageContext(
        record=RecordRef(rule.crm, rule.object_type, "lint"),
        fields={k: v for k, v in fields.items() if v},
        recipient=contact,
        owner=owner,
        account_name=_longest(c["company"] for c in contacts),
    )


def _at_declared_length(template: Template, variables: dict[str, Any]) -> dict[str, Any]:
    """A field with a declared maximum length may reach it, whatever the seed holds."""
    for path, limit in template.max_lengths.items():
        *parents, leaf = path.split(".")
        node = variables
        for name in parents:
            node = node.setdefault(name, {})
        value = str(node.get(leaf, "")) if isinstance(node, dict) else ""
        if isinstance(node, dict):
            node[leaf] = (value + " " + "x" * limit)[:limit] if len(value) < limit else value
    return variables


# ---------------------------------------------------------------------------------------- the lint


def lint_template(
    template: Template,
    rules: list[Rule],
    brand: str,
    *,
    named: bool = True,
    link_base: str | None = DEFAULT_LINK_BASE,
) -> Linted:
    """*rules*: those naming the template; when none does (``named=False``), every rule of the set,
    and an undefined field counts only when no rule could provide it. *link_base*: the link domain's
    URL, whose longest tracked link replaces the message's link (None: links are not tracked)."""
    try:
        templates.validate(template)
    except TemplateError as exc:
        return Linted(template, "", count(""), [str(exc)])
    renderings: list[str] = []
    undefined: list[str] = []
    for rule in rules:
        variables = templates.merge_fields(rule, worst_case(rule), brand)
        if link_base and variables.get("link"):  # what the dispatcher sends: the tracked link
            variables["link"] = links.longest_url(link_base)
        variables = _at_declared_length(template, variables)
        try:
            renderings.append(templates.render(template, variables))
        except (MissingMergeField, TemplateError) as exc:  # StrictUndefined
            undefined.append(f"undefined field (rule {rule.name}, {rule.crm}): {exc}")
    problems = undefined if named or not renderings else []
    if not renderings:
        return Linted(template, "", count(""), problems or ["no rule to render it with"])
    body = max(
        renderings, key=lambda b: (count(b).segments, count(b).encoding == "ucs2", count(b).characters)
    )
    cost = count(body)
    problems += _judge(template, body, cost)
    return Linted(template, body, cost, list(dict.fromkeys(problems)))


def _judge(template: Template, body: str, cost: Segments) -> Iterator[str]:
    links = LINK.findall(body)
    if len(links) != 1:
        yield f"{len(links)} links: a message carries exactly one call to action"
    if cost.encoding == "ucs2" and template.encoding != "ucs2":
        unusual = sorted({c for c in body if count(c).encoding == "ucs2"})
        yield f"leaves GSM-7 for UCS-2 because of {''.join(unusual)!r}: fix it or declare encoding: ucs2"
    if cost.segments > template.segments:
        limit = f"{template.segments} segment{'s' if template.segments > 1 else ''}"
        yield f"{cost.characters} {cost.encoding} units = {cost.segments} segments, over the declared {limit}"
    if not OPT_OUT.search(body):
        yield 'no opt-out line ("Reply STOP to opt out"): every template may be the first message to a number'


def lint(
    ruleset: RuleSet, brand: str = DEFAULT_BRAND, link_base: str | None = DEFAULT_LINK_BASE
) -> list[Linted]:
    results = []
    for template in ruleset.templates:
        naming = [r for r in ruleset.rules if template.id in r.template_ids]
        rules = naming or list(ruleset.rules)
        results.append(lint_template(template, rules, brand, named=bool(naming), link_base=link_base))
    return results


def link_base(link_domain: str | None) -> str | None:
    """The link base the lint measures: *link_domain* (``--link-domain``), else the environment's
    (``LINK_DOMAIN``, else ``PUBLIC_BASE_URL``), else the example custom domain; ``off``: None."""
    env = {
        "STATE_TABLE": "-",
        "CONSENT_TABLE": "-",
        "LINK_DOMAIN": link_domain if link_domain is not None else os.environ.get("LINK_DOMAIN", ""),
        "PUBLIC_BASE_URL": "" if link_domain is not None else os.environ.get("PUBLIC_BASE_URL", ""),
    }
    settings = Settings.from_env(env)
    if settings.link_domain == "off":
        return None
    return settings.link_base_url or DEFAULT_LINK_BASE


def report(results: list[Linted], per_segment: float, out: TextIO) -> int:
    header = ("template", "version", "tag", "status", "encoding", "characters", "segments", "$/1,000 sends")
    rows = [
        (
            r.template.id,
            f"v{r.template.version}",
            r.template.tag,
            r.template.status,
            r.cost.encoding,
            str(r.cost.characters),
            f"{r.cost.segments}/{r.template.segments}",
            f"{r.price_per_1000(per_segment):.2f}",
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    numeric = {5, 6, 7}

    def line(row: tuple[str, ...]) -> str:
        cells = (
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    out.write(line(header) + "\n" + "  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    failed = [r for r in results if not r.ok]
    for r in failed:
        for problem in r.problems:
            out.write(f"FAIL {r.template.id} v{r.template.version}: {problem}\n")
        if r.body:
            out.write(f"     longest rendering: {r.body}\n")
    out.write(
        f"{len(results) - len(failed)} of {len(results)} templates pass "
        f"(segments: needed/declared; price at ${per_segment}/segment)\n"
    )
    return 1 if failed else 0


# ------------------------------------------------------------------------------------ command line


def _run(args: argparse.Namespace) -> int:
    try:
        ruleset = RuleSet.load(args.triggers)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"textloop templates lint: {args.triggers or 'default triggers'}: {exc}\n")
        return 2
    try:
        base = link_base(args.link_domain)
    except ConfigError as exc:
        sys.stderr.write(f"textloop templates lint: --link-domain: {exc}\n")
        return 2
    code = report(lint(ruleset, args.brand, base), args.price_per_segment, sys.stdout)
    where = f"tracked, as {links.longest_url(base)}" if base else "untracked (LINK_DOMAIN=off)"
    sys.stdout.write(f"links measured {where}\n")
    return code


def add_templates(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("templates", help="governed message templates")
    actions = p.add_subparsers(dest="templates_command", required=True)
    lint_ = actions.add_parser(
        "lint", help="render every template with the longest seed values: links, segments, GSM-7, STOP line"
    )
    lint_.add_argument(
        "--triggers", type=Path, default=None, help="rules/templates JSON (default: the bundled defaults)"
    )
    lint_.add_argument(
        "--price-per-segment",
        type=float,
        default=US_PRICE_PER_SEGMENT,
        help=f"USD per SMS segment for the estimate (default {US_PRICE_PER_SEGMENT})",
    )
    lint_.add_argument(
        "--brand",
        default=os.environ.get("BRAND_NAME") or DEFAULT_BRAND,
        help=f"the brand merged into the templates (default $BRAND_NAME or {DEFAULT_BRAND!r})",
    )
    lint_.add_argument(
        "--link-domain",
        default=None,
        help="the tracked links' domain (host name or URL; off: untracked). Default: $LINK_DOMAIN, "
        f"else $PUBLIC_BASE_URL, else {DEFAULT_LINK_BASE}",
    )
    lint_.set_defaults(func=_run)
