"""The command line: creating users, importing the organisation and frameworks, loading the demo trust."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from accredit.auth.models import RoleAssignment, User
from accredit.extensions import db
from accredit.frameworks.models import Framework, FrameworkVersion, Standard
from accredit.org.models import Division, Service, Team
from accredit.roles import Role, ScopeKind

FRAMEWORKS_DIR = Path(__file__).resolve().parents[1] / "frameworks"
PASSWORD = "a-long-cli-passphrase"
GOOD = """division_code,division_name,service_code,service_name,team_code,team_name,team_type
MED,Medicine,MED-AC,Acute medicine,MED-AC-01,Ward 7 Respiratory,inpatient_ward
MED,Medicine,MED-AC,Acute medicine,MED-AC-02,Ward 8,inpatient_ward
MED,Medicine,MED-COM,Community medicine,MED-COM-01,District Nursing North,community_team
MH,Mental health,MH-CR,Crisis care,MH-CR-01,Crisis Team North,crisis_team
"""


def counts(*models) -> dict[str, int]:
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(args=list(args), input=input)
        db.session.expire_all()  # see what the command committed
        return result

    return invoke


# --- users create ----------------------------------------------------------------------------------------


def test_users_create_with_role_scope_and_password(cli, client, auth, factory):
    team = factory.team()
    factory.commit()
    result = cli("users", "create", "Sam.Sister@Test.nhs.uk", "--name", "Sam Sister", "--role", "team_lead",
                 "--scope", f"team:{team.id}", "--role", "reviewer", "--scope", "trust", "--password-stdin",
                 input=f"{PASSWORD}\n")
    user = db.session.scalars(sa.select(User)).one()
    assert (result.exit_code, result.stdout) == (0, f"Created sam.sister@test.nhs.uk (id {user.id})\n")
    assert (user.email, user.name) == ("sam.sister@test.nhs.uk", "Sam Sister")
    assert sorted((a.role.value, a.scope_key) for a in user.roles) == [("reviewer", "trust"),
                                                                        ("team_lead", f"team:{team.id}")]
    assert auth.login(user, PASSWORD).location == "/"
    assert client.get("/").status_code == 200


def test_users_create_without_password_cannot_sign_in_yet(cli, client, auth):
    result = cli("users", "create", "nadia@test.nhs.uk", "--name", "Nadia Nurse")
    assert result.exit_code == 0
    assert db.session.scalars(sa.select(User.password_hash)).all() == [None]
    auth.login("nadia@test.nhs.uk", "anything-at-all-really")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "team_lead", "--scope", "division:999"], "There is no division with id 999"),
        (["--role", "team_lead", "--scope", "ward:3"],
         "scope 'ward:3': the kind must be trust, division, service or team"),
        (["--role", "team_lead", "--scope", "team"], "scope 'team': write it as team:<id>, for example team:12"),
        (["--role", "admin", "--scope", "division:1"], "Administrators are held for the whole trust"),
        (["--role", "superuser", "--scope", "trust"],
         "role 'superuser' is not one of team_member, team_lead, reviewer, panel_member, panel_chair, quality_lead, "
         "admin"),
        (["--role", "team_lead"], "give one --scope for each --role"),
    ],
    ids=["missing-scope", "bad-kind", "no-id", "admin-below-trust", "unknown-role", "scope-count"],
)
def test_users_create_refused_creates_nobody(cli, factory, args, message):
    factory.division()  # division:1 exists
    factory.commit()
    result = cli("users", "create", "someone@test.nhs.uk", "--name", "Some One", *args, "--password-stdin",
                 input=f"{PASSWORD}\n")
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")
    assert counts(User, RoleAssignment) == {"User": 0, "RoleAssignment": 0}


def test_users_create_weak_password_is_refused(cli):
    result = cli("users", "create", "someone@test.nhs.uk", "--name", "Some One", "--password-stdin", input="short\n")
    assert (result.exit_code, result.stderr) == (1, "Error: Password must be at least 12 characters\n")
    assert counts(User) == {"User": 0}


def test_users_create_existing_email_is_refused(cli, factory):
    factory.user(email="taken@test.nhs.uk", password=None)
    factory.commit()
    result = cli("users", "create", "TAKEN@test.nhs.uk", "--name", "Other")
    assert (result.exit_code, result.stderr) == (1, "Error: A user with the email taken@test.nhs.uk already exists\n")
    assert counts(User) == {"User": 1}


# --- org import ------------------------------------------------------------------------------------------


def test_org_import_good_file(cli, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = cli("org", "import", str(path))
    assert (result.exit_code, result.stdout) == (
        0, "Imported org.csv: 2 divisions, 3 services, 4 teams added or updated, 0 unchanged\n")
    assert counts(Division, Service, Team) == {"Division": 2, "Service": 3, "Team": 4}
    again = cli("org", "import", str(path))
    assert again.stdout == "Imported org.csv: 0 divisions, 0 services, 0 teams added or updated, 4 unchanged\n"


def test_org_import_bad_file_is_refused_whole(cli, tmp_path):
    path = tmp_path / "bad.csv"
    bad_type = "MH,Mental health,MH-CR,Crisis,MH-CR-02,Crisis South,ward\n"
    path.write_text(GOOD.replace("District Nursing North", "") + bad_type, encoding="utf-8")
    result = cli("org", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "bad.csv, line 4: empty team_name",
        "bad.csv, line 6: team_type 'ward' is not one of inpatient_ward, community_team, crisis_team, "
        "outpatient_clinic, day_service, specialist_team",
        "Error: bad.csv was not imported: nothing was changed",
    ]
    assert counts(Division, Service, Team) == {"Division": 0, "Service": 0, "Team": 0}


def test_org_import_non_utf8_file_is_refused(cli, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(GOOD.replace("Ward 8", "Ward \u00e9").encode("latin-1"))
    result = cli("org", "import", str(path))
    assert (result.exit_code, result.stderr) == (
        1, "Error: latin1.csv: the file is not UTF-8 text; save it as 'CSV UTF-8'\n")
    assert counts(Division, Team) == {"Division": 0, "Team": 0}


# --- frameworks import ---------------------------------------------------------------------------------------


def test_frameworks_import_shipped_file_then_again(cli):
    path = str(FRAMEWORKS_DIR / "cqc-kloe-2017.yaml")
    first = cli("frameworks", "import", path)
    assert (first.exit_code, first.stdout) == (0, "Imported cqc-kloe-2017 2017.1 (27 standards)\n")
    again = cli("frameworks", "import", path)
    assert (again.exit_code, again.stdout) == (0, "Already present: cqc-kloe-2017 2017.1 (27 standards)\n")
    assert counts(FrameworkVersion, Standard) == {"FrameworkVersion": 1, "Standard": 27}


def _broken_copy(tmp_path: Path) -> Path:
    broken = tmp_path / "broken.yaml"
    text = (FRAMEWORKS_DIR / "cqc-kloe-2017.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[5] == "kind: self_assessment"  # line 6
    broken.write_text(text.replace("kind: self_assessment", "kind: audit", 1), encoding="utf-8")
    return broken


def test_frameworks_import_broken_file_names_line_and_reason(cli, tmp_path):
    result = cli("frameworks", "import", str(_broken_copy(tmp_path)))
    assert (result.exit_code, result.stderr) == (
        1, "Error: broken.yaml, line 6: kind 'audit' is not one of self_assessment, accreditation\n")
    assert counts(Framework) == {"Framework": 0}


def test_frameworks_import_with_one_broken_file_imports_none(cli, tmp_path):
    good = str(FRAMEWORKS_DIR / "cqc-saf-2023.yaml")
    result = cli("frameworks", "import", good, str(_broken_copy(tmp_path)))
    assert result.exit_code == 1
    assert counts(Framework, Standard) == {"Framework": 0, "Standard": 0}


def test_frameworks_import_changed_content_same_version_is_refused(cli, tmp_path):
    cli("frameworks", "import", str(FRAMEWORKS_DIR / "cqc-kloe-2017.yaml"))
    changed = tmp_path / "cqc-kloe-2017.yaml"
    shutil.copy(FRAMEWORKS_DIR / "cqc-kloe-2017.yaml", changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace(
        "title: CQC key lines of enquiry for healthcare services", "title: Edited in place", 1), encoding="utf-8")
    result = cli("frameworks", "import", str(changed))
    assert (result.exit_code, result.stderr) == (
        1, "Error: cqc-kloe-2017.yaml: cqc-kloe-2017 version 2017.1 already exists with different content; "
           "frameworks are never edited in place: give the file a new version\n")
    assert db.session.scalars(sa.select(Framework.title)).all() == ["CQC key lines of enquiry for healthcare services"]


# --- demo --------------------------------------------------------------------------------------------------


DEMO_MODELS = (Division, Service, Team, User, RoleAssignment, Framework, FrameworkVersion, Standard)


def test_demo_loads_a_trust_once(cli):
    result = cli("demo")
    assert result.exit_code == 0
    assert result.stdout.startswith("Demo trust loaded: 3 divisions, ")
    assert counts(Division)["Division"] == 3
    assert counts(Team)["Team"] >= 40
    assert len(set(db.session.scalars(sa.select(Team.team_type)))) >= 4
    assert set(db.session.scalars(sa.select(RoleAssignment.role))) == set(Role)
    assert counts(FrameworkVersion)["FrameworkVersion"] == 3
    scopes = set(db.session.scalars(sa.select(RoleAssignment.scope_kind)))
    assert scopes == {ScopeKind.TRUST, ScopeKind.DIVISION, ScopeKind.TEAM}
    before = counts(*DEMO_MODELS)
    again = cli("demo")
    assert (again.exit_code, again.stdout) == (0, "Demo data already present; nothing added\n")
    assert counts(*DEMO_MODELS) == before


def test_demo_users_can_sign_in(cli, client, auth):
    from accredit.demo import DEMO_PASSWORD

    cli("demo")
    auth.login("ward.manager@demo.nhs.uk", DEMO_PASSWORD)
    assert client.get("/").status_code == 200
