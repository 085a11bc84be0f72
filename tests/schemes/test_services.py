"""The scheme in force: read once per transaction, a change in force at once, nothing kept past the transaction."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from accredit.extensions import db
from accredit.models_base import utcnow
from accredit.schemes.models import SchemeSettings
from accredit.schemes.services import change_scheme, current_scheme
from tests.statements import statements_sent


def _reads(call) -> tuple[Any, int]:
    """(what `call` returned, SELECTs of scheme_settings sent meanwhile)."""
    with statements_sent() as sent:
        result = call()
    return result, sum("FROM scheme_settings" in statement for statement in sent)


def test_the_scheme_is_read_once_per_transaction(app):
    (first, second), reads = _reads(lambda: (current_scheme(), current_scheme()))
    assert (first is second, reads) == (True, 1)
    db.session.commit()
    assert _reads(current_scheme)[1] == 1


def test_a_change_is_in_force_at_once_in_its_transaction(app, factory):
    user = factory.user()
    assert current_scheme().eligibility_visits_needed == 2
    change_scheme({"eligibility_visits_needed": 3}, by=user)
    assert current_scheme().eligibility_visits_needed == 3


def test_a_change_stored_elsewhere_is_in_force_from_the_next_transaction(app):
    assert current_scheme().eligibility_visits_needed == 2
    with db.engine.begin() as other:  # another process: an administrator's change
        other.execute(sa.insert(SchemeSettings.__table__).values(settings={"eligibility_visits_needed": 4},
                                                                 created_at=utcnow()))
    db.session.rollback()
    assert current_scheme().eligibility_visits_needed == 4


def test_a_change_rolled_back_to_a_savepoint_is_forgotten(app, factory):
    user = factory.user()
    db.session.commit()
    savepoint = db.session.begin_nested()
    change_scheme({"eligibility_visits_needed": 5}, by=user)
    assert current_scheme().eligibility_visits_needed == 5
    savepoint.rollback()
    assert current_scheme().eligibility_visits_needed == 2
