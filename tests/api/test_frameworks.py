"""GET /api/v1/frameworks and /frameworks/{key}: the shipped frameworks, their versions, domains and standards."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.frameworks.models import Framework
from accredit.frameworks.schema import parse_framework
from accredit.frameworks.services import import_framework
from accredit.roles import Role
from tests.api.conftest import answer, error

FRAMEWORKS_DIR = Path(__file__).resolve().parents[2] / "frameworks"
DOMAINS = ["safe", "effective", "caring", "responsive", "well_led"]


@pytest.fixture
def signed_in(api, factory):
    import_shipped_frameworks()
    user = factory.user(role=Role.TEAM_MEMBER, scope=factory.team())
    factory.commit()
    api.sign_in(user)
    return api


def test_frameworks_list_shows_each_with_versions_and_counts(signed_in):
    body = signed_in.get("/api/v1/frameworks").get_json()
    summary = [
        (f["key"], f["kind"], f["current"], [(v["version"], v["aggregation"], v["standards_count"]) for v in f["versions"]])
        for f in body["items"]
    ]
    assert summary == [
        ("cqc-kloe-2017", "self_assessment", "2017.1", [("2017.1", "cqc_principles", 27)]),
        ("cqc-saf-2023", "self_assessment", "2023.1", [("2023.1", "saf_scoring", 34)]),
        ("accreditation-standards", "accreditation", "1.0", [("1.0", "cqc_principles", 20)]),
    ]
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 50)


def test_framework_detail_kloe_has_27_standards_under_five_domains(signed_in):
    response = signed_in.get("/api/v1/frameworks/cqc-kloe-2017")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["key"], body["version"], body["kind"], body["is_current"]) == (
        "cqc-kloe-2017", "2017.1", "self_assessment", True)
    assert [d["domain"] for d in body["domains"]] == DOMAINS
    codes = {d["domain"]: [s["code"] for s in d["standards"]] for d in body["domains"]}
    assert codes == {
        "safe": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "effective": ["E1", "E2", "E3", "E4", "E5", "E6"],
        "caring": ["C1", "C2", "C3"],
        "responsive": ["R1", "R2", "R3", "R4"],
        "well_led": ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"],
    }
    first = body["domains"][0]["standards"][0]
    assert sorted(first) == ["code", "domain", "prompt", "steeep", "title"]
    assert first["domain"] == "safe"


def test_framework_detail_saf_has_34_standards(signed_in):
    body = signed_in.get("/api/v1/frameworks/cqc-saf-2023").get_json()
    counts = [len(d["standards"]) for d in body["domains"]]
    assert (counts, sum(counts), body["aggregation"]) == ([8, 6, 5, 7, 8], 34, "saf_scoring")


def test_framework_detail_picks_a_named_version(signed_in):
    response = signed_in.get("/api/v1/frameworks/cqc-kloe-2017?version=2017.1")
    assert (response.status_code, response.get_json()["version"]) == (200, "2017.1")


def test_framework_unknown_version_is_404(signed_in):
    assert answer(signed_in.get("/api/v1/frameworks/cqc-kloe-2017?version=1999")) == error(
        404, "not_found", "cqc-kloe-2017 has no version '1999'")


def test_framework_unknown_key_is_404(signed_in):
    assert answer(signed_in.get("/api/v1/frameworks/no-such-thing")) == error(
        404, "not_found", "There is no framework 'no-such-thing'")


def test_framework_without_versions_is_404(signed_in):
    db.session.add(Framework(key="empty", title="Empty", kind="self_assessment"))
    db.session.commit()
    assert answer(signed_in.get("/api/v1/frameworks/empty")) == error(404, "not_found", "empty has no version yet")


def test_frameworks_need_a_role(api, factory):
    import_shipped_frameworks()
    user = factory.user()
    factory.commit()
    api.sign_in(user)
    forbidden = error(403, "forbidden", "You do not have permission to do this", {"action": "frameworks.view"})
    assert answer(api.get("/api/v1/frameworks")) == forbidden
    assert answer(api.get("/api/v1/frameworks/cqc-kloe-2017")) == forbidden
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Framework)) == 3


def test_framework_with_two_versions_answers_the_latest_and_keeps_the_older(signed_in):
    text = (FRAMEWORKS_DIR / "cqc-kloe-2017.yaml").read_text().replace('version: "2017.1"', 'version: "2017.2"')
    import_framework(parse_framework(text))
    db.session.commit()
    latest = signed_in.get("/api/v1/frameworks/cqc-kloe-2017").get_json()
    older = signed_in.get("/api/v1/frameworks/cqc-kloe-2017?version=2017.1").get_json()
    assert (latest["version"], latest["is_current"], older["version"], older["is_current"]) == (
        "2017.2", True, "2017.1", False)
    assert [v["version"] for v in latest["versions"]] == ["2017.1", "2017.2"]
    listed = signed_in.get("/api/v1/frameworks").get_json()["items"]
    assert [(f["key"], f["current"]) for f in listed][:1] == [("cqc-kloe-2017", "2017.2")]


@pytest.mark.parametrize("path", ["/api/v1/frameworks/CQC-KLOE-2017", "/api/v1/frameworks/a%00b"])
def test_framework_key_that_cannot_exist_is_404(signed_in, path):
    status, body = answer(signed_in.get(path))
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_framework_version_that_cannot_exist_is_400(signed_in):
    status, body = answer(signed_in.get("/api/v1/frameworks/cqc-kloe-2017?version=2017%00"))
    assert (status, list(body["error"]["details"])) == (400, ["version"])
