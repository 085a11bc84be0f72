"""Accreditation decisions and panels, awards, Step-up history and the coverage target: the newer areas' tables.

Each loader runs only when its tables are in the schema, so the generator also runs on a tree without them.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from bench.history import DOMAINS, rating_for
from bench.loader import BulkLoader
from bench.reviews import Reviews
from bench.trust import Dice, Trust, TeamRow, at, month_number
from workflows.ratings import Domain, Rating
from workflows.rules import add_months, award_outcome

LEVELS = ["step_down", "standard", "step_up", "intensive"]
ACCREDITATION_KEY = "accreditation-standards"  #: the framework an application's portfolio answers


def load_extras(loader: BulkLoader, trust: Trust, reviews: Reviews, today: date, dice: Dice,
                accreditation_standards: list[tuple[int, int]]) -> None:
    """Load whatever of the newer areas' tables the schema has."""
    tables = loader.metadata.tables
    teams = {t.id: t for t in trust.teams}
    if "portfolio_entries" in tables:
        _load_portfolios(loader, reviews, teams, accreditation_standards, trust)
    if "panel_decisions" in tables:
        decisions = list(_decisions(reviews, teams))
        loader.load("panel_members", ("id", "application_id", "user_id", "stage", "sitting", "is_chair",
                                      "from_outside_division", "recused", "assigned_at"),
                    _panel_members(decisions, trust))
        loader.load("panel_decisions", DECISION_COLUMNS, (d[:-1] for d in decisions))
        if "awards" in tables:
            awards = _awards(decisions, teams, trust, today)
            loader.load("awards", AWARD_COLUMNS, (a[:-1] for a in awards))
            loader.load("award_ratings", ("id", "award_id", "domain", "rating"), _award_ratings(awards))
    if "stepup_regulations" in tables:
        _load_stepup(loader, trust, today, dice)
    if "accreditation_targets" in tables:
        loader.load("accreditation_targets", ("id", "percentage", "award_kind", "target_on", "set_at", "set_by_id"),
                    iter([(1, 40, "outstanding_team", date(today.year + 2, 3, 31), at(today - timedelta(days=200)),
                           trust.trust_lead_id)]))


def _load_portfolios(loader: BulkLoader, reviews: Reviews, teams: dict[int, TeamRow],
                     standards: list[tuple[int, int]], trust: Trust) -> None:
    """A statement per accreditation standard (half of them while preparing), and pre-panel's verdicts."""
    entries, verdicts = [], []
    for app in reviews.applications:
        app_id, team_id, status, invited_at = app[0], app[1], app[2], app[4]
        if status not in ("preparing", "decided"):
            continue
        done = standards if status == "decided" else standards[:len(standards) // 2]
        for standard_id, position in done:
            entries.append((len(entries) + 1, app_id, standard_id, f"Synthetic statement for standard {position}.",
                            at(invited_at.date() + timedelta(days=20)), teams[team_id].lead_id))
            if status == "decided":
                reviewer = trust.panel_ids[app_id % len(trust.panel_ids)]
                verdicts.append((len(verdicts) + 1, app_id, standard_id, 1, "robust", "", reviewer,
                                 at(invited_at.date() + timedelta(days=55))))
    loader.load("portfolio_entries",
                ("id", "application_id", "standard_id", "statement", "updated_at", "updated_by_id"), iter(entries))
    if "prepanel_reviews" in loader.metadata.tables:
        loader.load("prepanel_reviews", ("id", "application_id", "standard_id", "round", "verdict", "comment",
                                         "reviewer_id", "reviewed_at"), iter(verdicts))


DECISION_COLUMNS = ("id", "application_id", "sitting", "panel_date", "chair_id", "members", "ratings", "reasons",
                    "outcome", "explanation", "rule", "inputs", "scheme_version", "decided_on", "appeal_deadline",
                    "confirmed_at", "confirmed_by_id")


def _decisions(reviews: Reviews, teams: dict[int, TeamRow]) -> Iterator[tuple]:
    """One panel decision per decided application; the last item of each row is the team (not loaded)."""
    n = 0
    for app in reviews.applications:
        app_id, team_id, status, _, invited_at = app[:5]
        if status != "decided":
            continue
        n += 1
        team = teams[team_id]
        day = invited_at.date() + timedelta(days=80)
        salt = team.id * 7919 + month_number(day) * 5  # by team and month: the same at every size
        ratings = {d: Rating(rating_for(max(team.quality, 2) + (team.quality == 3), salt + i))
                   for i, d in enumerate(Domain)}
        outcome = award_outcome(ratings)
        yield (n, app_id, 1, day, None, [], {d.value: r.value for d, r in ratings.items()},
               {d.value: "Synthetic panel reasons." for d in ratings}, outcome.value, outcome.explanation,
               outcome.rule, outcome.inputs, "1", day, day + timedelta(days=21), at(day, 17), None, team)


def _panel_members(decisions: list[tuple], trust: Trust) -> Iterator[tuple]:
    n = 1
    panel = trust.panel_ids
    for d in decisions:
        app_id, day = d[1], d[3]
        for seat in range(3):
            yield (n, app_id, panel[(app_id + seat) % len(panel)], "panel", 1, seat == 0, seat == 2, False,
                   at(day - timedelta(days=30)))
            n += 1


AWARD_COLUMNS = ("id", "application_id", "team_id", "kind", "status", "explanation", "granted_on", "valid_until",
                 "validity_explanation", "scheme_version", "chair_name", "granted_at", "ended_on", "ended_reason",
                 "version")


def _awards(decisions: list[tuple], teams: dict[int, TeamRow], trust: Trust, today: date) -> list[tuple]:
    """An award for each decision that made one; a renewal ends the team's previous award."""
    awards: list[list] = []
    latest: dict[int, list] = {}
    for d in decisions:
        outcome, day, team = d[8], d[13], d[-1]
        if outcome is None:
            continue
        valid_until = add_months(day, 12) - timedelta(days=1)
        previous = latest.get(team.id)
        if previous is not None and previous[4] != "expired":
            previous[4], previous[12], previous[13] = "expired", day, "Renewed by a later award"
        row = [len(awards) + 1, d[1], team.id, outcome, "active", d[9], day, valid_until,
               f"Valid for 12 months, until {valid_until:%-d %B %Y}", "1", "Panel Chair", at(day, 17), None, None, 1,
               d[6]]
        if valid_until < today:
            row[4], row[12], row[13] = "expired", valid_until + timedelta(days=1), "Reached the end of its validity"
        awards.append(row)
        latest[team.id] = row
    return [tuple(a) for a in awards]


def _award_ratings(awards: list[tuple]) -> Iterator[tuple]:
    n = 1
    for award in awards:
        for domain in DOMAINS:
            yield (n, award[0], domain, award[-1][domain])
            n += 1


def _load_stepup(loader: BulkLoader, trust: Trust, today: date, dice: Dice) -> None:
    """Every team regulated: its level follows its quality; one in four changed level once; signals monthly-ish."""
    regulations, changes, signals, proposals = [], [], [], []
    for team in trust.teams:
        level = LEVELS[min(3, max(0, 3 - team.quality - (team.id % 4 == 0)))]
        since = today - timedelta(days=30 + team.id % 700)
        regulations.append((team.id, team.id, level, since, since, 10 * (3 - team.quality), today, at(since), 1))
        if team.id % 4 == 0:
            before = LEVELS[min(3, LEVELS.index(level) + 1)] if level != "intensive" else "step_up"
            changes.append((len(changes) + 1, team.id, team.id, before, level, at(since), since, trust.trust_lead_id,
                            None, "Synthetic level change after the quality lead's review."))
        for k in range(team.id % 5):
            day = today - timedelta(days=dice.int(1, 700, team.id, k, 30))
            signals.append((len(signals) + 1, team.id, ("incident", "complaint", "staffing")[k % 3],
                            ("green", "amber", "red")[(team.id + k) % 3 if team.quality < 2 else 0], day,
                            "Synthetic signal.", at(day, 12), trust.trust_lead_id))
        if team.id % 10 == 1:  # one team in ten has a proposal waiting for a quality lead
            trigger = "step_down" if level == "intensive" else "step_up"
            to = LEVELS[LEVELS.index(level) + (1 if trigger == "step_up" else -1)]
            proposals.append((len(proposals) + 1, team.id, team.id, trigger, level, to, "pending", 40,
                              f"Risk score 40 at {level.replace('_', ' ')}: the engine proposes {to.replace('_', ' ')}",
                              [{"description": "Synthetic incident", "severity": "red", "points": 40,
                                "on": (today - timedelta(days=10)).isoformat(), "source": "recorded"}],
                              "1", at(today - timedelta(days=3))))
    loader.load("stepup_regulations", ("id", "team_id", "level", "since", "cycle_started_on", "score", "reviewed_on",
                                       "created_at", "version"), iter(regulations))
    loader.load("stepup_level_changes", ("id", "team_id", "regulation_id", "from_level", "to_level", "changed_at",
                                         "changed_on", "changed_by_id", "proposal_id", "reason"), iter(changes))
    loader.load("risk_signals", ("id", "team_id", "kind", "severity", "occurred_on", "description", "recorded_at",
                                 "recorded_by_id"), iter(signals))
    loader.load("stepup_proposals", ("id", "regulation_id", "team_id", "trigger", "from_level", "to_level", "status",
                                     "score", "explanation", "reasons", "scheme_version", "proposed_at"),
                iter(proposals))
