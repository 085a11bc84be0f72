"""A small checker of JSON bodies against the OpenAPI 3.0 document: the subset flask-smorest generates.

It does what a schema-checker such as schemathesis does with a response: find the documented response for
(path, method, status) and validate the body against its schema. Returns a list of problems, [] if it conforms.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}
_FORMATS = {"date-time": datetime.fromisoformat, "date": date.fromisoformat}


def resolve(spec: dict, node: dict) -> dict:
    """Follow `$ref`s (#/components/...) to the node they name; KeyError if one dangles."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response_schema(spec: dict, path: str, method: str, status: int) -> dict | None:
    """The documented body schema of that response (the `default` one if the status is not listed)."""
    responses = spec["paths"][path][method]["responses"]
    response = resolve(spec, responses.get(str(status)) or responses["default"])
    content = response.get("content")
    return content["application/json"]["schema"] if content else None


def problems(spec: dict, instance: Any, schema: dict, where: str = "$") -> list[str]:
    schema = resolve(spec, schema)
    if "anyOf" in schema:  # flask-smorest writes a nullable nested schema as anyOf [$ref, {nullable}]
        tried = [problems(spec, instance, part, where) for part in schema["anyOf"]]
        return [] if [] in tried else tried[0]
    if instance is None:
        return [] if schema.get("nullable") else [f"{where}: null is not allowed"]
    found = [p for part in schema.get("allOf", []) for p in problems(spec, instance, part, where)]
    if "enum" in schema and instance not in schema["enum"]:
        found.append(f"{where}: {instance!r} is not one of {schema['enum']}")
    kind = schema.get("type")
    if kind and not _TYPES[kind](instance):
        return found + [f"{where}: {instance!r} is not of type {kind}"]
    if schema.get("format") in _FORMATS and isinstance(instance, str):
        try:
            _FORMATS[schema["format"]](instance)
        except ValueError:
            found.append(f"{where}: {instance!r} is not a {schema['format']}")
    if isinstance(instance, dict):
        found += _object_problems(spec, instance, schema, where)
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            found += problems(spec, item, schema["items"], f"{where}[{index}]")
    return found


def _object_problems(spec: dict, instance: dict, schema: dict, where: str) -> list[str]:
    found = [f"{where}: {name!r} is required" for name in schema.get("required", []) if name not in instance]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, value in instance.items():
        if name in properties:
            found += problems(spec, value, properties[name], f"{where}.{name}")
        elif extra is False:
            found.append(f"{where}: {name!r} is not a documented property")
        elif isinstance(extra, dict):
            found += problems(spec, value, extra, f"{where}.{name}")
    return found
