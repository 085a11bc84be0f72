"""Importing framework versions: the shipped files load, re-import is a no-op, changed content needs a new version."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.extensions import db
from accredit.frameworks.models import Framework, FrameworkVersion, Standard
from accredit.frameworks.schema import load_framework_file, parse_framework
from accredit.frameworks.services import FrameworkConflict, current_version, import_framework

FRAMEWORKS_DIR = Path(__file__).resolve().parents[2] / "frameworks"
SHIPPED = {"cqc-kloe-2017": 27, "cqc-saf-2023": 34, "accreditation-standards": 20}


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Framework, FrameworkVersion, Standard, AuditEvent)}


def import_file(name: str, **kwargs):
    return import_framework(load_framework_file(FRAMEWORKS_DIR / f"{name}.yaml"), **kwargs)


def test_import_shipped_files_creates_their_standards(app):
    for key in SHIPPED:
        version, created = import_file(key)
        assert (version.framework.key, created) == (key, True)
    db.session.commit()
    per_framework = db.session.execute(
        sa.select(Framework.key, sa.func.count(Standard.id))
        .join(FrameworkVersion, FrameworkVersion.framework_id == Framework.id)
        .join(Standard, Standard.framework_version_id == FrameworkVersion.id)
        .group_by(Framework.key)
    )
    assert dict(per_framework.all()) == SHIPPED


def test_import_keeps_standards_in_file_order(app):
    version, _ = import_file("cqc-kloe-2017")
    codes = [s.code for s in version.standards]
    assert codes[:7] == ["S1", "S2", "S3", "S4", "S5", "S6", "E1"]
    assert codes[-1] == "W8"
    assert [s.position for s in version.standards] == list(range(1, 28))


def test_import_same_file_again_is_a_no_op(factory):
    user = factory.user(password=None)
    first, _ = import_file("cqc-saf-2023", by=user)
    db.session.commit()
    before = counts()
    again, created = import_file("cqc-saf-2023", by=user)
    assert (again.id, created) == (first.id, False)
    db.session.flush()
    assert counts() == before


def test_import_records_audit_row(factory):
    user = factory.user(password=None)
    version, _ = import_file("accreditation-standards", by=user)
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "framework.import")).all()
    assert [(r.actor_id, r.subject_type, r.subject_id, r.data) for r in rows] == [
        (user.id, "framework_versions", version.id, {"key": "accreditation-standards", "version": version.version})
    ]


def test_import_same_version_with_changed_content_is_refused(app):
    path = FRAMEWORKS_DIR / "cqc-kloe-2017.yaml"
    original = import_file("cqc-kloe-2017")[0]
    db.session.commit()
    before = counts()
    text = path.read_text(encoding="utf-8").replace("title: CQC key lines of enquiry for healthcare services",
                                                    "title: Changed title", 1)
    changed = parse_framework(text, source=path.name)
    assert changed.version == original.version
    with pytest.raises(FrameworkConflict) as refused:
        import_framework(changed)
    assert str(refused.value) == (
        f"cqc-kloe-2017 version {original.version} already exists with different content; "
        "frameworks are never edited in place: give the file a new version"
    )
    db.session.rollback()
    assert counts() == before
    assert db.session.scalars(sa.select(Framework.title)).all() == ["CQC key lines of enquiry for healthcare services"]


def test_import_new_version_becomes_current(app):
    path = FRAMEWORKS_DIR / "cqc-kloe-2017.yaml"
    original, _ = import_file("cqc-kloe-2017")
    text = path.read_text(encoding="utf-8").replace(f'version: "{original.version}"', 'version: "2017.2"', 1)
    newer, created = import_framework(parse_framework(text, source=path.name))
    db.session.commit()
    assert created is True
    assert current_version("cqc-kloe-2017").id == newer.id
    assert [v.version for v in db.session.get(Framework, newer.framework_id).versions] == [original.version, "2017.2"]
    assert len(original.standards) == 27  # the old version is untouched
