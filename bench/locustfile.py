"""The month-end rush, for locust: each simulated member of staff is the lead of a team whose self-assessment is
still open. They sign in, read it, save it three standards at a time (as the form saves as you go), upload an
evidence file and link it, submit, look at the team, and move on to the next team's assessment.

Run through `python -m bench.rush`, which lists the teams (RUSH_TEAMS), serves the app with gunicorn and checks,
afterwards, that every write the server acknowledged is in the database (each process writes its
acknowledgements to RUSH_ACKS).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time

from locust import HttpUser, between, events, task


TEAMS = json.loads(open(os.environ["RUSH_TEAMS"]).read())  # [[team, assessment, email, [codes], token], ...]
_next_team = itertools.count()
_acks: list[dict] = []
_lock = threading.Lock()
RATINGS = ["requires_improvement", "good", "good", "outstanding"]


def _pdf(marker: str) -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n% " + marker.encode() +
            b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def ack(kind: str, **data) -> None:
    with _lock:
        _acks.append({"kind": kind, "at": time.time(), **data})


@events.quitting.add_listener
def _write_acks(environment, **_kwargs) -> None:
    with open(os.environ["RUSH_ACKS"], "a") as out:
        for row in _acks:
            out.write(json.dumps(row) + "\n")


class Staff(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.claim()

    def claim(self) -> None:
        index = next(_next_team)
        if index >= len(TEAMS):
            self.environment.runner.quit()
            return
        self.team_id, self.assessment_id, _email, self.codes, token = TEAMS[index]
        self.client.headers["Authorization"] = f"Bearer {token}"  # issued by bench.rush before the rush
        self.version = self.client.get(f"/api/v1/self-assessments/{self.assessment_id}",
                                       name="/api/v1/self-assessments/[id]").json()["version"]
        self.position = 0
        self.evidence_id = None

    @task
    def work(self) -> None:
        """The next step of this assessment: save three standards, upload evidence half way, or submit."""
        if self.position >= len(self.codes):
            self.submit()
            return
        if self.evidence_id is None and self.position >= len(self.codes) // 2:
            self.upload()
            return
        chunk = self.codes[self.position:self.position + 3]
        responses = [{"standard": code, "rating": self.rng.choice(RATINGS),
                      "narrative": f"Rush {self.assessment_id} {code} {self.rng.randrange(10**6)}",
                      **({"evidence": [self.evidence_id]} if self.evidence_id and i == 0 else {})}
                     for i, code in enumerate(chunk)]
        with self.client.put(f"/api/v1/self-assessments/{self.assessment_id}/responses", name="save 3 standards",
                             json={"version": self.version, "responses": responses}, catch_response=True) as answer:
            if answer.status_code == 200:
                self.version = answer.json()["version"]
                self.position += len(chunk)
                for r in responses:
                    ack("save", assessment=self.assessment_id, standard=r["standard"], rating=r["rating"],
                        narrative=r["narrative"], evidence=r.get("evidence"))
            else:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")

    def upload(self) -> None:
        marker = f"{self.team_id}-{self.assessment_id}-{self.rng.randrange(10**9)}"
        with self.client.post(f"/api/v1/teams/{self.team_id}/evidence", name="upload evidence",
                              files={"file": (f"audit-{marker}.pdf", _pdf(marker), "application/pdf")},
                              data={"title": f"Rush audit {marker}"}, catch_response=True) as answer:
            if answer.status_code == 201:
                self.evidence_id = answer.json()["id"]
                ack("evidence", id=self.evidence_id, team=self.team_id, title=f"Rush audit {marker}")
            else:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")

    def submit(self) -> None:
        with self.client.post(f"/api/v1/self-assessments/{self.assessment_id}/transitions/submit", name="submit",
                              json={"version": self.version}, catch_response=True) as answer:
            if answer.status_code == 200:
                ack("submit", assessment=self.assessment_id)
            else:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")
        self.client.get(f"/api/v1/teams/{self.team_id}", name="/api/v1/teams/[id]")
        self.claim()
