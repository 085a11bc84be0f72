"""Importing the organisation from CSV: new rows created, known rows updated, a bad file refused whole."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.org.imports import ImportResult, OrgImportError, import_org_csv
from accredit.org.models import Division, Service, Team, TeamType

HEADER = "division_code,division_name,service_code,service_name,team_code,team_name,team_type"
GOOD = f"""{HEADER}
MED,Medicine,MED-AC,Acute medicine,MED-AC-01,Ward 7 Respiratory,inpatient_ward
MED,Medicine,MED-AC,Acute medicine,MED-AC-02,Ward 8,inpatient_ward
MED,Medicine,MED-COM,Community medicine,MED-COM-01,District Nursing North,community_team
MH,Mental health,MH-CR,Crisis care,MH-CR-01,Crisis Team North,crisis_team
"""
TYPES = "inpatient_ward, community_team, crisis_team, outpatient_clinic, day_service, specialist_team"


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Division, Service, Team, AuditEvent)}


def teams() -> list[tuple[str, str, str, str, TeamType]]:
    query = (sa.select(Division.code, Service.code, Team.code, Team.name, Team.team_type)
             .join(Team.service).join(Service.division).order_by(Team.code))
    return [tuple(row) for row in db.session.execute(query)]


def test_import_good_file_creates_everything(app):
    result = import_org_csv(GOOD)
    db.session.commit()
    assert result == ImportResult(divisions=2, services=3, teams=4, unchanged=0,
                                  created=["MED-AC-01", "MED-AC-02", "MED-COM-01", "MH-CR-01"])
    assert teams() == [
        ("MED", "MED-AC", "MED-AC-01", "Ward 7 Respiratory", TeamType.INPATIENT_WARD),
        ("MED", "MED-AC", "MED-AC-02", "Ward 8", TeamType.INPATIENT_WARD),
        ("MED", "MED-COM", "MED-COM-01", "District Nursing North", TeamType.COMMUNITY_TEAM),
        ("MH", "MH-CR", "MH-CR-01", "Crisis Team North", TeamType.CRISIS_TEAM),
    ]
    assert {k: v for k, v in counts().items() if k != "AuditEvent"} == {"Division": 2, "Service": 3, "Team": 4}


def test_import_same_file_again_changes_nothing(app):
    import_org_csv(GOOD)
    db.session.commit()
    before = counts()
    result = import_org_csv(GOOD)
    assert result == ImportResult(divisions=0, services=0, teams=0, unchanged=4, created=[])
    assert counts() == before


def test_import_updates_renamed_and_retyped_team(app):
    import_org_csv(GOOD)
    db.session.commit()
    changed = GOOD.replace("MED-AC-02,Ward 8,inpatient_ward", "MED-AC-02,Ward 8 Cardiology,day_service")
    result = import_org_csv(changed)
    db.session.commit()
    assert result == ImportResult(divisions=0, services=0, teams=1, unchanged=3, created=[])
    assert teams()[1] == ("MED", "MED-AC", "MED-AC-02", "Ward 8 Cardiology", TeamType.DAY_SERVICE)
    update = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "team.update")).one()
    assert update.data == {
        "before": {"name": "Ward 8", "team_type": "inpatient_ward", "service": "MED-AC"},
        "after": {"name": "Ward 8 Cardiology", "team_type": "day_service", "service": "MED-AC"},
    }


def test_import_accepts_excel_bom_header_case_and_lower_case_codes(app):
    row = "med,Medicine,med-ac,Acute medicine,med-ac-01,Ward 7,inpatient_ward"
    text = "\ufeff" + HEADER.upper().replace(",", " , ") + f"\n{row}\n"
    result = import_org_csv(text)
    assert result.created == ["MED-AC-01"]
    assert teams() == [("MED", "MED-AC", "MED-AC-01", "Ward 7", TeamType.INPATIENT_WARD)]


def _rows(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


ROW = "MED,Medicine,MED-AC,Acute medicine,{team},Ward {team},inpatient_ward"

BAD_FILES = [
    ("missing-column", HEADER.replace(",team_type", "") + "\nMED,Medicine,MED-AC,Acute,T1,Ward 1\n",
     [(1, "missing column: team_type")]),
    ("missing-columns", "division_code,division_name,service_code\nMED,Medicine,MED-AC\n",
     [(1, "missing columns: service_name, team_code, team_name, team_type")]),
    ("empty-cell", _rows(ROW.format(team="T1"), "MED,Medicine,MED-AC,Acute medicine,T2,,inpatient_ward"),
     [(3, "empty team_name")]),
    ("unknown-team-type", _rows("MED,Medicine,MED-AC,Acute medicine,T1,Ward 1,ward"),
     [(2, f"team_type 'ward' is not one of {TYPES}")]),
    ("bad-code", _rows("MED,Medicine,MED AC,Acute medicine,T1,Ward 1,inpatient_ward"),
     [(2, "service_code 'MED AC' must be up to 32 letters, digits, - or _")]),
    ("duplicate-team-code", _rows(ROW.format(team="T1"), ROW.format(team="T2"), ROW.format(team="t1")),
     [(4, "team_code T1 appears again (first on line 2)")]),
    ("service-under-two-divisions",
     _rows(ROW.format(team="T1"), "SURG,Surgery,MED-AC,Acute medicine,T2,Ward 2,inpatient_ward"),
     [(3, "service MED-AC belongs to division MED, not SURG")]),
    ("too-many-cells", _rows(ROW.format(team="T1"), ROW.format(team="T2") + ",extra"),
     [(3, "this row has more cells than the header")]),
    ("too-few-cells", _rows(ROW.format(team="T1"), "MED,Medicine,MED-AC,Acute medicine,T2"),
     [(3, "empty team_name, team_type")]),
    ("header-only", HEADER + "\n", [(1, "the file has a header but no rows")]),
    ("every-bad-row-listed",
     _rows(ROW.format(team="T1"), "MED,Medicine,MED-AC,Acute medicine,T2,Ward 2,", ROW.format(team="T3"),
           "MED,Medicine,MED-AC,Acute medicine,T4,Ward 4,ward"),
     [(3, "empty team_type"), (5, f"team_type 'ward' is not one of {TYPES}")]),
]


@pytest.mark.parametrize(("text", "problems"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES])
def test_import_bad_file_is_refused_whole(factory, text, problems):
    factory.division(code="OLD", name="Already here")
    factory.commit()
    before = counts()
    with pytest.raises(OrgImportError) as refused:
        import_org_csv(text)
    db.session.rollback()
    assert refused.value.problems == problems
    assert str(refused.value) == "; ".join(f"line {line}: {reason}" for line, reason in problems)
    assert counts() == before


def test_import_service_known_under_another_division_is_refused(factory):
    factory.service(factory.division(code="SURG", name="Surgery"))
    service = db.session.scalars(sa.select(Service)).one()
    factory.commit()
    before = counts()
    text = _rows(f"MED,Medicine,{service.code},Acute medicine,T1,Ward 1,inpatient_ward")
    with pytest.raises(OrgImportError) as refused:
        import_org_csv(text)
    db.session.rollback()
    assert refused.value.problems == [(2, f"service {service.code} belongs to division SURG, not MED")]
    assert counts() == before


def test_import_failing_part_way_writes_nothing(factory):
    """A row refused while writing (a division name already taken under another code) undoes the rows before it."""
    factory.division(code="MEDX", name="Medicine")
    factory.commit()
    before = counts()
    text = _rows("SURG,Surgery,SURG-GEN,General surgery,T1,Ward 20,inpatient_ward", ROW.format(team="T2"))
    with pytest.raises(OrgImportError) as refused:
        import_org_csv(text)
    db.session.rollback()
    assert refused.value.problems == [(3, "A division called Medicine already exists")]
    assert counts() == before
