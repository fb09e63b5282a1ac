"""template.yaml rendered as a plain document for static checks (checkov), never for deploying.

checkov 3.3.30 crashes on template.yaml itself (and on the ``sam build`` output): its default-ref
evaluation replaces each ``Ref`` to a parameter by the parameter's default *in place* and trips over
its own YAML nodes (``TypeError ... StrNode``, or ``string indices must be integers``). So the checks
run on a rendering that has nothing left for that step to do:

- every parameter and pseudo parameter is replaced by its default (``<Name>`` for a parameter without
  one), then ``Fn::Sub``, ``Fn::Join``, ``Fn::If`` over the template's conditions, ``Fn::Select`` and
  ``Fn::Split`` are evaluated as CloudFormation would (references to resources are kept as they are),
  and the ``Parameters`` section is dropped;
- the ``Globals`` section is merged into each function and the HTTP API, as SAM does at deploy time
  (checkov reads a function's own properties only), and dropped;
- the ``Conditions`` become the booleans they are under the defaults; resources whose ``Condition`` is
  false are kept all the same (a check must see them too).

Skips are justified in the template: its ``Metadata.TextloopCheckovSkips`` lists groups of
``{"resources": [logical ids], "skip": [{"id": "CKV_AWS_...", "comment": "why"}]}``, and the rendering
copies each skip into the named resources' ``Metadata.checkov.skip`` (checkov's own in-place
suppression, which a resource may also carry itself). A skip without a reason, naming a resource the
template does not have, or not of checkov's id form is refused (``SkipError``), so a stale or silent
skip cannot pass; a resource no group names is checked in full.

``python -m textloop_local.cfn_render [--template template.yaml] --out FILE`` writes the rendering (JSON,
which is YAML too); ``make cfn`` runs checkov on it.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textloop_local.template import Resolver, load_template

# Globals section → the resource type it applies to (SAM's own mapping).
GLOBALS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}


SKIPS_KEY = "TextloopCheckovSkips"
CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")


class SkipError(ValueError):
    """A skip in the template's ``Metadata.TextloopCheckovSkips`` that cannot be honoured."""


def skips(template: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Logical id → the checkov skips the template justifies for it (``{"id", "comment"}``)."""
    problems: list[str] = []
    out: dict[str, list[dict[str, str]]] = {}
    resources = template.get("Resources", {})
    for n, group in enumerate(template.get("Metadata", {}).get(SKIPS_KEY, [])):
        names, entries = group.get("resources") or [], group.get("skip") or []
        if not names or not entries:
            problems.append(f"group {n}: needs resources and skip")
        for name in names:
            if name not in resources:
                problems.append(f"group {n}: no resource {name} in the template")
        for entry in entries:
            check, comment = str(entry.get("id", "")), str(entry.get("comment") or "").strip()
            if not CHECK_ID.match(check):
                problems.append(f"group {n}: {check!r} is not a checkov check id")
            if len(comment) < 20:
                problems.append(f"group {n}: {check} is skipped without a reason")
            for name in names:
                out.setdefault(name, []).append({"id": check, "comment": comment})
    if problems:
        raise SkipError("; ".join(problems))
    return out


def _merge(base: Any, own: Any) -> Any:
    """SAM's Globals rules: maps merge key by key, lists add up (the global entries first), and any
    other value of the resource's own replaces the global one."""
    if isinstance(base, Mapping) and isinstance(own, Mapping):
        merged = dict(base)
        for key, value in own.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(own, list):
        return [*base, *own]
    return own


def render(template: Mapping[str, Any], parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The template with parameters resolved, conditions decided and Globals merged (see above)."""
    required = {  # parameters without a default: a placeholder naming them (a deployer supplies them)
        name: f"<{name}>" for name, spec in template.get("Parameters", {}).items() if "Default" not in spec
    }
    resolver = Resolver(template, {**required, **(parameters or {})}, strict=False)
    globals_ = template.get("Globals", {})
    justified = skips(template)
    resources: dict[str, Any] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        resource = copy.deepcopy(dict(resource))
        for section, type_ in GLOBALS.items():
            if resource.get("Type") == type_ and section in globals_:
                resource["Properties"] = _merge(globals_[section], resource.get("Properties", {}))
        if logical_id in justified:
            checkov = resource.setdefault("Metadata", {}).setdefault("checkov", {})
            checkov["skip"] = [*checkov.get("skip", []), *justified[logical_id]]
        resources[logical_id] = resolver.resolve(resource)
    rendered: dict[str, Any] = {
        key: copy.deepcopy(value)
        for key, value in template.items()
        if key not in ("Parameters", "Globals", "Resources")
    }
    rendered["Resources"] = resources
    if "Conditions" in rendered:  # decided under the defaults, as the Fn::If above were
        rendered["Conditions"] = {name: resolver.condition(name) for name in template["Conditions"]}
    if "Outputs" in rendered:
        rendered["Outputs"] = resolver.resolve(rendered["Outputs"])
    return rendered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m textloop_local.cfn_render", description=__doc__)
    parser.add_argument("--template", default=None, help="the SAM template (default: template.yaml)")
    parser.add_argument("--out", required=True, help="where the rendering is written (JSON)")
    args = parser.parse_args(argv)
    rendered = render(load_template(args.template))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rendered, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
