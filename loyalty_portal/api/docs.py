"""The human API reference at /docs/api, rendered from /v1/openapi.json (same document,
no external assets). Public: integrators read it before they hold a key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from markupsafe import Markup, escape

from loyalty_portal.api.openapi import ERROR_TEXT, document

bp = Blueprint("api_docs", __name__)

REF_PREFIX = "#/components/schemas/"


@bp.get("/docs/api")
def reference() -> str:
    doc = document()
    return render_template(
        "api/reference.html",
        doc=doc,
        groups=operations_by_tag(doc),
        schemas=doc["components"]["schemas"],
        describe=describe,
        ref_name=ref_name,
        fields=fields,
        prose=prose,
        errors=sorted(ERROR_TEXT.items()),
    )


def prose(text: str | None) -> Markup:
    """Escaped text with `backticks` shown as code."""
    parts = (text or "").split("`")
    code = Markup("<code>{}</code>")
    return Markup("").join(code.format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


def operations_by_tag(doc: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """[(tag, [operation + method + path]...)] in the document's tag order."""
    groups: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in doc.get("tags", [])}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            tag = (op.get("tags") or ["Other"])[0]
            groups.setdefault(tag, []).append({**op, "method": method.upper(), "path": path})
    return [(tag, ops) for tag, ops in groups.items() if ops]


def ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    return ref.removeprefix(REF_PREFIX) if ref.startswith(REF_PREFIX) else None


def describe(schema: Any) -> str:
    """A short, readable type: `string (1–128 chars)`, `integer (1..100)`, `FIX | CONDITIONAL`."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    if name := ref_name(schema):
        return name
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        text = " or ".join(describe(b) for b in branches)
        return f"{text}, nullable" if len(branches) < len(schema["anyOf"]) else text
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind: str = schema.get("type", "any")
    if kind == "array":
        return f"array of {describe(schema.get('items'))}"
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {describe(schema['additionalProperties'])}{_limits(schema)}"
    return kind + _limits(schema)


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    if "format" in schema:
        parts.append(schema["format"])
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        parts.append(f"{'' if low is None else low}..{'' if high is None else high}")
    if "minLength" in schema or "maxLength" in schema:
        parts.append(f"{schema.get('minLength', 0)}–{schema.get('maxLength', '∞')} chars")
    if "maxProperties" in schema:
        parts.append(f"at most {schema['maxProperties']} fields")
    if "pattern" in schema:
        parts.append(f"matching {schema['pattern']}")
    return f" ({', '.join(parts)})" if parts else ""


def fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of an object schema as rows: name, type, required, description."""
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": describe(prop),
            "required": name in required,
            "description": prop.get("description", ""),
            "ref": ref_name(prop)
            or next((ref_name(b) for b in prop.get("anyOf", []) if ref_name(b)), None)
            or ref_name(prop.get("items")),
        }
        for name, prop in schema.get("properties", {}).items()
    ]
