"""Framework files: the shipped YAML parses as expected, and a bad file is refused with its line and reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from accredit.frameworks.schema import (
    FrameworkFileError,
    FrameworkSpec,
    load_framework_file,
    parse_framework,
)
from workflows.ratings import Domain, Steeep

FRAMEWORKS_DIR = Path(__file__).resolve().parents[2] / "frameworks"

# A minimal valid self-assessment: one standard per domain. The bad-file cases edit it by line number,
# so the numbers in the comments are the ones the cases refer to.
VALID = """\
key: demo
title: Demo framework
version: "1"
kind: self_assessment
aggregation: cqc_principles
domains:
  - domain: safe
    question: Safe?
    standards:
      - code: S1
        title: Safe one
        prompt: Show it.
  - domain: effective
    question: Effective?
    standards:
      - code: E1
        title: Effective one
        prompt: Show it.
  - domain: caring
    question: Caring?
    standards:
      - code: C1
        title: Caring one
        prompt: Show it.
  - domain: responsive
    question: Responsive?
    standards:
      - code: R1
        title: Responsive one
        prompt: Show it.
  - domain: well_led
    question: Well-led?
    standards:
      - code: W1
        title: Well-led one
        prompt: Show it.
"""
# Lines: 1 key, 2 title, 3 version, 4 kind, 5 aggregation, 6 domains; safe 7-12 (code 10, title 11, prompt 12),
# effective 13-18 (code 16), caring 19-24 (code 22, prompt 24), responsive 25-30, well_led 31-36.


def edit(text: str, changes: dict[int, str | None]) -> str:
    """`text` with 1-based lines replaced (a replacement may span several lines) or, for None, removed."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        replacement = changes.get(number, line)
        if replacement is not None:
            lines.append(replacement)
    return "\n".join(lines) + "\n"


# The same, as an accreditation framework: each standard gains a steeep line after its prompt, so S1 is
# code 10, title 11, prompt 12, steeep 13, and the effective domain starts on line 14.
ACCREDITATION = edit(
    VALID,
    {4: "kind: accreditation"}
    | {line: "        prompt: Show it.\n        steeep: [safe]" for line in (12, 18, 24, 30, 36)},
)

STEEEP_VALUES = "safe, timely, effective, efficient, equitable, person_centred, leadership"

BAD_FILES = [
    # (id, text, line, fragment of the reason)
    ("yaml-syntax", edit(VALID, {2: "title: Demo: framework"}), 2,
     "this is not valid YAML: mapping values are not allowed here"),
    ("yaml-missing-colon", edit(VALID, {11: "        title Safe one"}), 11,
     "this is not valid YAML: while scanning a simple key, could not find expected ':'"),
    ("yaml-two-documents", VALID + "---\nkey: other\n", 37,
     "expected a single document in the stream"),
    ("empty-file", "# nothing but a comment\n", 1, "the file is empty"),
    ("top-level-list", "- key: demo\n", 1, "the framework must be a mapping of keys to values, not a list"),
    ("missing-top-key", edit(VALID, {2: None}), 1, "the framework is missing the required key 'title'"),
    ("unknown-top-key", edit(VALID, {2: "titel: Demo framework"}), 2,
     "unknown key 'titel' in the framework; did you mean 'title'?"),
    ("duplicate-key", edit(VALID, {12: "        prompt: Show it.\n        title: Again"}), 13,
     "key 'title' appears twice in a standard in domain 'safe' (first on line 11)"),
    ("unknown-standard-key", edit(VALID, {12: "        promt: Show it."}), 12,
     "unknown key 'promt' in a standard in domain 'safe'; did you mean 'prompt'?"),
    ("missing-standard-key", edit(VALID, {24: None}), 22,
     "a standard in domain 'caring' is missing the required key 'prompt'"),
    ("missing-domain-key", edit(VALID, {20: None}), 19, "a domain is missing the required key 'question'"),
    ("version-not-text", edit(VALID, {3: "version: 1.0"}), 3,
     "version must be text, not a number; put it in quotes if you meant text"),
    ("title-is-boolean", edit(VALID, {11: "        title: yes"}), 11,
     "title of standard S1 must be text, not true/false"),
    ("python-tag-refused", edit(VALID, {2: "title: !!python/object/apply:os.system [echo hi]"}), 2,
     "title must be text, not a value tagged !!python/object/apply:os.system"),
    ("domains-not-a-list", "\n".join(VALID.splitlines()[:5]) + "\ndomains: all of them\n", 6,
     "domains must be a list, not text"),
    ("bad-key-format", edit(VALID, {1: "key: Demo_Framework"}), 1,
     "key 'Demo_Framework' must be lowercase letters and digits joined by single hyphens"),
    ("bad-version-format", edit(VALID, {3: 'version: "1 beta"'}), 3,
     "version '1 beta' may hold only letters, digits, dots, hyphens and underscores"),
    ("bad-code-format", edit(VALID, {10: "      - code: s-1"}), 10,
     "code 's-1' must be uppercase letters and digits starting with a letter"),
    ("duplicate-code", edit(VALID, {16: "      - code: S1"}), 16, "code S1 is used twice (first on line 10)"),
    ("unknown-domain", edit(VALID, {7: "  - domain: safety"}), 7,
     "domain 'safety' is not one of safe, effective, caring, responsive, well_led"),
    ("repeated-domain", edit(VALID, {13: "  - domain: safe"}), 13, "domain 'safe' appears twice"),
    ("domain-out-of-order", edit(VALID, {7: "  - domain: effective", 13: "  - domain: safe"}), 13,
     "domain 'safe' is out of order; list the domains as safe, effective, caring, responsive, well_led"),
    ("missing-domain", edit(VALID, dict.fromkeys(range(31, 37))), 6,
     "domains must include all five key questions; missing: well_led"),
    ("domain-without-standards", edit(VALID, {9: "    standards: []", 10: None, 11: None, 12: None}), 9,
     "domain 'safe' has no standards; it needs at least one"),
    ("unknown-kind", edit(VALID, {4: "kind: audit"}), 4, "kind 'audit' is not one of self_assessment, accreditation"),
    ("unknown-aggregation", edit(VALID, {5: "aggregation: average"}), 5,
     "aggregation 'average' is not one of cqc_principles, saf_scoring"),
    ("steeep-on-self-assessment", edit(VALID, {12: "        prompt: Show it.\n        steeep: [safe]"}), 13,
     "standard S1 has steeep tags, but only accreditation standards carry them"),
    ("steeep-missing-on-accreditation", edit(ACCREDITATION, {13: None}), 10,
     f"standard S1 needs a steeep list naming at least one of {STEEEP_VALUES}"),
    ("steeep-empty-on-accreditation", edit(ACCREDITATION, {13: "        steeep: []"}), 13,
     "standard S1 needs a steeep list"),
    ("steeep-unknown-value", edit(ACCREDITATION, {13: "        steeep: [safe, speedy]"}), 13,
     f"steeep 'speedy' is not one of {STEEEP_VALUES}"),
    ("steeep-repeated-value", edit(ACCREDITATION, {13: "        steeep:\n          - safe\n          - safe"}), 15,
     "standard S1 lists steeep 'safe' twice"),
    ("steeep-not-a-list", edit(ACCREDITATION, {13: "        steeep: safe"}), 13,
     "steeep of standard S1 must be a list, not text"),
    ("title-too-long", edit(VALID, {11: "        title: " + "x" * 121}), 11,
     "title of standard S1 is 121 characters long; the limit is 120"),
    ("prompt-too-long", edit(VALID, {12: "        prompt: >-\n          " + "y" * 1001}), 12,
     "prompt of standard S1 is 1001 characters long; the limit is 1000"),
    ("empty-title", edit(VALID, {11: '        title: ""'}), 11, "title of standard S1 must not be empty"),
    ("empty-question", edit(VALID, {8: "    question:"}), 8, "question of domain 'safe' must not be empty"),
    ("title-on-two-lines", edit(VALID, {11: '        title: "Safe\\none"'}), 11,
     "title of standard S1 must fit on one line"),
]


# --- the shipped files ---------------------------------------------------------------------------------


def load(name: str) -> FrameworkSpec:
    return load_framework_file(FRAMEWORKS_DIR / f"{name}.yaml")


def counts(spec: FrameworkSpec) -> dict[Domain, int]:
    return {d.domain: len(d.standards) for d in spec.domains}


@pytest.mark.parametrize(
    ("name", "kind", "aggregation", "expected"),
    [
        ("cqc-kloe-2017", "self_assessment", "cqc_principles", [6, 6, 3, 4, 8]),
        ("cqc-saf-2023", "self_assessment", "saf_scoring", [8, 6, 5, 7, 8]),
        ("accreditation-standards", "accreditation", "cqc_principles", [5, 4, 3, 4, 4]),
    ],
)
def test_shipped_framework_parses_with_expected_shape(name, kind, aggregation, expected):
    spec = load(name)
    assert (spec.key, spec.kind, spec.aggregation) == (name, kind, aggregation)
    assert [d.domain for d in spec.domains] == list(Domain)
    assert counts(spec) == dict(zip(Domain, expected))
    assert [s.position for s in spec.standards] == list(range(1, sum(expected) + 1))
    assert all(s.domain is d.domain for d in spec.domains for s in d.standards)


def test_kloe_has_the_27_key_lines_by_code():
    spec = load("cqc-kloe-2017")
    assert [s.code for s in spec.standards] == (
        [f"S{i}" for i in range(1, 7)] + [f"E{i}" for i in range(1, 7)] + ["C1", "C2", "C3"]
        + [f"R{i}" for i in range(1, 5)] + [f"W{i}" for i in range(1, 9)]
    )
    assert len(spec.standards) == 27
    assert spec.version == "2017.1"


def test_saf_has_the_34_quality_statements_by_code():
    spec = load("cqc-saf-2023")
    assert [s.code for s in spec.standards] == (
        [f"SAFE{i}" for i in range(1, 9)] + [f"EFF{i}" for i in range(1, 7)] + [f"CAR{i}" for i in range(1, 6)]
        + [f"RES{i}" for i in range(1, 8)] + [f"WL{i}" for i in range(1, 9)]
    )
    assert len(spec.standards) == 34
    assert spec.version == "2023.1"


@pytest.mark.parametrize("name", ["cqc-kloe-2017", "cqc-saf-2023"])
def test_self_assessment_standards_carry_no_steeep(name):
    assert {s.steeep for s in load(name).standards} == {()}


def test_accreditation_standards_use_every_steeep_dimension():
    spec = load("accreditation-standards")
    assert min(len(s.steeep) for s in spec.standards) == 1
    assert {tag for s in spec.standards for tag in s.steeep} == set(Steeep)
    prefixes = {Domain.SAFE: "AS", Domain.EFFECTIVE: "AE", Domain.CARING: "AC",
                Domain.RESPONSIVE: "AR", Domain.WELL_LED: "AW"}
    assert [s.code for s in spec.standards] == [
        f"{prefixes[d.domain]}{i}" for d in spec.domains for i in range(1, len(d.standards) + 1)
    ]


# --- valid text ----------------------------------------------------------------------------------------


def test_valid_file_parses_to_specs():
    spec = parse_framework(VALID, "demo.yaml")
    assert (spec.key, spec.title, spec.version, spec.description) == ("demo", "Demo framework", "1", None)
    first = spec.standards[0]
    assert (first.code, first.domain, first.title, first.prompt, first.steeep, first.position) == (
        "S1", Domain.SAFE, "Safe one", "Show it.", (), 1
    )
    assert [d.question for d in spec.domains] == ["Safe?", "Effective?", "Caring?", "Responsive?", "Well-led?"]


def test_accreditation_file_parses_steeep_in_order():
    text = edit(ACCREDITATION, {13: "        steeep: [person_centred, timely]"})
    assert parse_framework(text).standards[0].steeep == (Steeep.PERSON_CENTRED, Steeep.TIMELY)


def test_block_prompt_is_stripped_and_folded():
    text = edit(VALID, {12: "        prompt: >\n          Tell us\n          how.\n"})
    assert parse_framework(text).standards[0].prompt == "Tell us how."


# --- bad files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "fragment"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_bad_file_refused_with_line_and_reason(text, line, fragment):
    with pytest.raises(FrameworkFileError) as caught:
        parse_framework(text, "trust.yaml")
    err = caught.value
    assert err.line == line
    assert fragment in err.reason
    assert err.source == "trust.yaml"
    assert str(err) == f"trust.yaml, line {line}: {err.reason}"


def test_bad_file_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_framework("- 1\n")


def test_load_framework_file_names_errors_after_the_file(tmp_path):
    path = tmp_path / "our-standards.yaml"
    path.write_text(edit(VALID, {4: "kind: audit"}), encoding="utf-8")
    with pytest.raises(FrameworkFileError) as caught:
        load_framework_file(path)
    assert str(caught.value) == (
        "our-standards.yaml, line 4: kind 'audit' is not one of self_assessment, accreditation"
    )


def test_load_framework_file_refuses_non_utf8_with_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(edit(VALID, {11: "        title: Caf\u00e9"}).encode("latin-1"))
    with pytest.raises(FrameworkFileError) as caught:
        load_framework_file(path)
    assert (caught.value.line, caught.value.reason) == (11, "the file is not UTF-8 text; save it as UTF-8")


# --- content hash --------------------------------------------------------------------------------------


def test_content_hash_is_stable_for_the_same_text():
    first, second = parse_framework(VALID), parse_framework(VALID)
    assert first == second
    assert first.content_hash == second.content_hash
    assert len(first.content_hash) == 64


def test_content_hash_ignores_comments_and_layout():
    relaid = "# our copy\n" + VALID.replace('version: "1"', "version: '1'   # quoted")
    assert parse_framework(relaid).content_hash == parse_framework(VALID).content_hash


def test_content_hash_changes_when_a_title_changes():
    changed = edit(VALID, {11: "        title: Safe one, reworded"})
    assert parse_framework(changed).content_hash != parse_framework(VALID).content_hash


def test_content_hash_of_shipped_file_is_stable():
    assert load("cqc-kloe-2017").content_hash == load("cqc-kloe-2017").content_hash
