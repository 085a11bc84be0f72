"""Parse and validate framework files (YAML) into immutable specs, refusing a bad file whole with line and reason."""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from workflows.ratings import Domain, Steeep

KINDS = ("self_assessment", "accreditation")
AGGREGATIONS = ("cqc_principles", "saf_scoring")

# Limits match the database columns (accredit/frameworks/models.py) so a file that parses always stores.
KEY_MAX, VERSION_MAX, CODE_MAX = 64, 32, 16
FRAMEWORK_TITLE_MAX, STANDARD_TITLE_MAX, QUESTION_MAX = 200, 120, 200
PROMPT_MAX, DESCRIPTION_MAX = 1000, 2000

_KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_CODE_RE = re.compile(r"[A-Z][A-Z0-9]*\Z")

_TOP_REQUIRED = ("key", "title", "version", "kind", "aggregation", "domains")
_TOP_OPTIONAL = ("description",)
_DOMAIN_KEYS = ("domain", "question", "standards")
_STANDARD_REQUIRED = ("code", "title", "prompt")
_STANDARD_OPTIONAL = ("steeep",)

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _SEQ, _MAP = _TAG + "str", _TAG + "null", _TAG + "seq", _TAG + "map"
_TAG_NAMES = {
    _STR: "text",
    _NULL: "nothing",
    _TAG + "int": "a number",
    _TAG + "float": "a number",
    _TAG + "bool": "true/false",
    _TAG + "timestamp": "a date",
    _SEQ: "a list",
    _MAP: "a mapping",
}


class FrameworkFileError(ValueError):
    """A framework file that cannot be imported: `line` (1-based) says where, `reason` says why in plain English."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = source if line is None else f"{source}, line {line}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class StandardSpec:
    """One standard as the file states it; `position` is its 1-based place in the whole framework."""

    code: str
    domain: Domain
    title: str
    prompt: str
    steeep: tuple[Steeep, ...]
    position: int


@dataclass(frozen=True)
class DomainSpec:
    """One of the five CQC key questions, in our words, with its standards in file order."""

    domain: Domain
    question: str
    standards: tuple[StandardSpec, ...]


@dataclass(frozen=True)
class FrameworkSpec:
    """A whole, valid framework version: what the importer stores, never edited afterwards."""

    key: str
    title: str
    version: str
    kind: str
    aggregation: str
    description: str | None
    domains: tuple[DomainSpec, ...]

    @property
    def standards(self) -> tuple[StandardSpec, ...]:
        """Every standard, domain by domain, in file order."""
        return tuple(standard for domain in self.domains for standard in domain.standards)

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the parsed content: comments and layout do not count, any word of content does."""
        canonical = json.dumps(self._canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _canonical(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "version": self.version,
            "kind": self.kind,
            "aggregation": self.aggregation,
            "description": self.description,
            "domains": [
                {
                    "domain": d.domain.value,
                    "question": d.question,
                    "standards": [
                        {"code": s.code, "title": s.title, "prompt": s.prompt,
                         "steeep": [t.value for t in s.steeep], "position": s.position}
                        for s in d.standards
                    ],
                }
                for d in self.domains
            ],
        }


def parse_framework(text: str, source: str = "<framework>") -> FrameworkSpec:
    """Parse and validate a framework file's text.

    Returns the FrameworkSpec. Raises FrameworkFileError for the first problem found (the whole file is
    refused), naming `source`, the 1-based line and the reason. YAML tags are never executed.
    """
    try:
        return _framework(_compose(text))
    except _Invalid as problem:
        raise FrameworkFileError(source, problem.line, problem.reason) from None


def load_framework_file(path: str | os.PathLike[str]) -> FrameworkSpec:
    """Read a UTF-8 framework file and parse it, naming errors after the file's name.

    Raises FrameworkFileError for a file that is not UTF-8 or not a valid framework; OSError if unreadable.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FrameworkFileError(path.name, line, "the file is not UTF-8 text; save it as UTF-8") from None
    return parse_framework(text, source=path.name)


# --- internals: every helper raises _Invalid(line, reason); parse_framework adds the source --------------


class _Invalid(Exception):
    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class _Entry:
    """A value node with the line to blame for it: its key's line, or its own for a list item."""

    line: int
    node: Node


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _compose(text: str) -> Node:
    # compose() builds the node tree only: nothing is constructed, so no tag can run code.
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _Invalid(_yaml_error_line(exc), "this is not valid YAML: " + _yaml_error_reason(exc)) from None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise _Invalid(line, f"this is not valid YAML: {exc.reason} (character #x{exc.character:04x})") from None
    except yaml.YAMLError as exc:  # nothing else is raised while composing today; keep the promise anyway
        raise _Invalid(None, f"this is not valid YAML: {exc}") from None
    if root is None:
        raise _Invalid(1, "the file is empty; a framework needs " + ", ".join(_TOP_REQUIRED))
    return root


def _yaml_error_line(exc: yaml.MarkedYAMLError) -> int | None:
    # A line with no colon is only noticed on a later line; the line it began on is the one to fix.
    if exc.context == "while scanning a simple key" and exc.context_mark:
        return exc.context_mark.line + 1
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark else None


def _yaml_error_reason(exc: yaml.MarkedYAMLError) -> str:
    if exc.context and exc.problem:
        return f"{exc.context}, {exc.problem}"
    return exc.problem or exc.context or "unreadable"


def _describe(node: Node) -> str:
    return _TAG_NAMES.get(node.tag, f"a value tagged {node.tag.replace(_TAG, '!!')}")


def _fields(node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, _Entry]:
    """The mapping `node` as name -> _Entry; refuses duplicate, unknown (typos included) and missing keys."""
    if not isinstance(node, MappingNode) or node.tag != _MAP:
        raise _Invalid(_line(node), f"{what} must be a mapping of keys to values, not {_describe(node)}")
    allowed = required + optional
    fields: dict[str, _Entry] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
            raise _Invalid(_line(key_node), f"keys in {what} must be plain words, not {_describe(key_node)}")
        name = key_node.value
        if name in fields:
            raise _Invalid(_line(key_node), f"key '{name}' appears twice in {what} (first on line {fields[name].line})")
        if name not in allowed:
            raise _Invalid(_line(key_node), _unknown_key_reason(name, what, allowed))
        fields[name] = _Entry(_line(key_node), value_node)
    missing = [name for name in required if name not in fields]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise _Invalid(_line(node), f"{what} is missing the required key{'s' if len(missing) > 1 else ''} {names}")
    return fields


def _unknown_key_reason(name: str, what: str, allowed: tuple[str, ...]) -> str:
    guess = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean '{guess[0]}'?" if guess else "allowed keys are " + ", ".join(allowed)
    return f"unknown key '{name}' in {what}; {hint}"


def _items(entry: _Entry, what: str) -> list[_Entry]:
    """The list under `entry` as entries blamed on their own lines; an empty value counts as an empty list."""
    node = entry.node
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return []
    if not isinstance(node, SequenceNode) or node.tag != _SEQ:
        raise _Invalid(entry.line, f"{what} must be a list, not {_describe(node)}")
    return [_Entry(_line(item), item) for item in node.value]


def _text(entry: _Entry, what: str, limit: int, *, multiline: bool = False) -> str:
    """A non-empty string of at most `limit` characters, surrounding whitespace removed."""
    node = entry.node
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        raise _Invalid(entry.line, f"{what} must not be empty")
    if not isinstance(node, ScalarNode) or node.tag != _STR:
        hint = "; put it in quotes if you meant text" if isinstance(node, ScalarNode) else ""
        raise _Invalid(entry.line, f"{what} must be text, not {_describe(node)}{hint}")
    value = node.value.strip()
    if not value:
        raise _Invalid(entry.line, f"{what} must not be empty")
    if not multiline and "\n" in value:
        raise _Invalid(entry.line, f"{what} must fit on one line")
    if len(value) > limit:
        raise _Invalid(entry.line, f"{what} is {len(value)} characters long; the limit is {limit}")
    return value


def _choice(entry: _Entry, what: str, choices: tuple[str, ...]) -> str:
    value = _text(entry, what, 64)
    if value not in choices:
        raise _Invalid(entry.line, f"{what} '{value}' is not one of {', '.join(choices)}")
    return value


def _matching(entry: _Entry, what: str, limit: int, pattern: re.Pattern[str], rule: str) -> str:
    value = _text(entry, what, limit)
    if not pattern.match(value):
        raise _Invalid(entry.line, f"{what} '{value}' {rule}")
    return value


def _framework(root: Node) -> FrameworkSpec:
    fields = _fields(root, "the framework", _TOP_REQUIRED, _TOP_OPTIONAL)
    key = _matching(fields["key"], "key", KEY_MAX, _KEY_RE,
                    "must be lowercase letters and digits joined by single hyphens, e.g. cqc-kloe-2017")
    title = _text(fields["title"], "title", FRAMEWORK_TITLE_MAX)
    version = _matching(fields["version"], "version", VERSION_MAX, _VERSION_RE,
                        "may hold only letters, digits, dots, hyphens and underscores, e.g. \"2017.1\"")
    kind = _choice(fields["kind"], "kind", KINDS)
    aggregation = _choice(fields["aggregation"], "aggregation", AGGREGATIONS)
    description = None
    if "description" in fields:
        description = _text(fields["description"], "description", DESCRIPTION_MAX, multiline=True)
    domains = _domains(fields["domains"], kind)
    return FrameworkSpec(key, title, version, kind, aggregation, description, domains)


class _Tally:
    """What the walk over domains has seen so far: domains in order, codes with their lines, standards counted."""

    def __init__(self) -> None:
        self.domains: list[Domain] = []
        self.code_lines: dict[str, int] = {}
        self.count = 0


def _domains(entry: _Entry, kind: str) -> tuple[DomainSpec, ...]:
    tally = _Tally()
    specs = tuple(_domain(item, kind, tally) for item in _items(entry, "domains"))
    missing = [d.value for d in Domain if d not in tally.domains]
    if missing:
        raise _Invalid(entry.line, "domains must include all five key questions; missing: " + ", ".join(missing))
    return specs


def _domain(item: _Entry, kind: str, tally: _Tally) -> DomainSpec:
    fields = _fields(item.node, "a domain", _DOMAIN_KEYS)
    domain = _domain_name(fields["domain"], tally)
    question = _text(fields["question"], f"question of domain '{domain.value}'", QUESTION_MAX)
    items = _items(fields["standards"], f"standards of domain '{domain.value}'")
    if not items:
        raise _Invalid(fields["standards"].line, f"domain '{domain.value}' has no standards; it needs at least one")
    standards = tuple(_standard(standard, domain, kind, tally) for standard in items)
    return DomainSpec(domain, question, standards)


def _domain_name(entry: _Entry, tally: _Tally) -> Domain:
    order = tuple(d.value for d in Domain)
    domain = Domain(_choice(entry, "domain", order))
    if domain in tally.domains:
        raise _Invalid(entry.line, f"domain '{domain.value}' appears twice; list each domain once")
    if tally.domains and order.index(domain.value) < order.index(tally.domains[-1].value):
        raise _Invalid(entry.line, f"domain '{domain.value}' is out of order; list the domains as {', '.join(order)}")
    tally.domains.append(domain)
    return domain


def _standard(item: _Entry, domain: Domain, kind: str, tally: _Tally) -> StandardSpec:
    fields = _fields(item.node, f"a standard in domain '{domain.value}'", _STANDARD_REQUIRED, _STANDARD_OPTIONAL)
    code = _code(fields["code"], tally)
    title = _text(fields["title"], f"title of standard {code}", STANDARD_TITLE_MAX)
    prompt = _text(fields["prompt"], f"prompt of standard {code}", PROMPT_MAX, multiline=True)
    steeep = _steeep(fields.get("steeep"), item, code, kind)
    tally.count += 1
    return StandardSpec(code, domain, title, prompt, steeep, tally.count)


def _code(entry: _Entry, tally: _Tally) -> str:
    rule = "must be uppercase letters and digits starting with a letter, e.g. S1"
    code = _matching(entry, "code", CODE_MAX, _CODE_RE, rule)
    if code in tally.code_lines:
        raise _Invalid(entry.line, f"code {code} is used twice (first on line {tally.code_lines[code]})")
    tally.code_lines[code] = entry.line
    return code


def _steeep(entry: _Entry | None, item: _Entry, code: str, kind: str) -> tuple[Steeep, ...]:
    """STEEEP-L tags: required, non-empty and distinct on accreditation standards; forbidden on self-assessment."""
    choices = tuple(s.value for s in Steeep)
    if kind != "accreditation":
        if entry is not None:
            raise _Invalid(entry.line, f"standard {code} has steeep tags, but only accreditation standards carry them "
                                       f"(this framework's kind is {kind})")
        return ()
    if entry is None:
        raise _Invalid(item.line, f"standard {code} needs a steeep list naming at least one of {', '.join(choices)}")
    values: list[Steeep] = []
    for tag in _items(entry, f"steeep of standard {code}"):
        value = Steeep(_choice(tag, "steeep", choices))
        if value in values:
            raise _Invalid(tag.line, f"standard {code} lists steeep '{value.value}' twice")
        values.append(value)
    if not values:
        raise _Invalid(entry.line, f"standard {code} needs a steeep list naming at least one of {', '.join(choices)}")
    return tuple(values)
