"""Reading and posting the self-assessment pages in tests: the form as a browser would post it, races, autosave."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from accredit.assessments import services
from accredit.assessments.models import SelfAssessment
from accredit.extensions import db
from tests.assessments.conftest import saved_meanwhile
from tests.conftest import AuthActions
from workflows.ratings import Rating

FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}  #: what static/js/autosave.js sends


class FormReader(HTMLParser):
    """What a browser would post from the page's form with id `form_id`: every named control's value."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.textarea = form_id, False, None
        self.values: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        elif self.inside and tag == "input" and attrs.get("name"):
            if attrs.get("type") in {"radio", "checkbox"} and "checked" not in attrs:
                return
            self.values.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif self.inside and tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = [""]

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            # Browsers drop the newline that follows <textarea>.
            self.values[self.textarea][0] = self.values[self.textarea][0].removeprefix("\n")
            self.textarea = None
        elif tag == "form":
            self.inside = False


def loaded_form(response) -> dict[str, list[str]]:
    reader = FormReader("assessment-form")
    reader.feed(response.get_data(as_text=True))
    assert reader.values, "no self-assessment form on the page"
    return reader.values


def edited(form: dict[str, list[str]], action: str = "save", **changes: tuple[str | None, str]) -> dict:
    """The loaded form with `CODE=(rating, narrative)` changed, posted with the button `action`."""
    data = {name: list(values) for name, values in form.items()}
    for code, (rating, narrative) in changes.items():
        data[f"{code}-rating"] = [rating] if rating else []
        data[f"{code}-narrative"] = [narrative]
    return {**data, "action": action}


def client_for(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def stored_answers(assessment_id: int) -> dict[str, tuple[str | None, str]]:
    db.session.expire_all()
    found = db.session.get(SelfAssessment, assessment_id)
    return {r.standard.code: (r.rating.value if r.rating else None, r.narrative) for r in found.responses}


def race(monkeypatch, assessment, code: str) -> None:
    """Make another request save `code` just before this request's first save reaches the database."""
    real, raced = services.save_answers, []

    def save_answers(*args, **kwargs):
        if not raced:
            raced.append(code)
            saved_meanwhile(assessment.id, code, Rating.INADEQUATE, "Lead's answer, at the same moment")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "save_answers", save_answers)


def autosave(client, assessment, code: str, rating: str | None, narrative: str, version: int | None, token: str):
    data = {"csrf_token": token, f"{code}-narrative": narrative}
    if rating:
        data[f"{code}-rating"] = rating
    if version is not None:
        data[f"{code}-version"] = str(version)
    return client.post(f"/self-assessments/{assessment.id}/responses/{code}", data=data, headers=FETCH)

