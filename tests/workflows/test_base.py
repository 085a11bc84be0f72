"""Tests for workflows.base against a small door workflow defined here: no app, no database."""
from __future__ import annotations

import enum
import threading
from dataclasses import dataclass

import pytest

from workflows.base import (
    Fired,
    GuardRefused,
    IllegalTrigger,
    Transition,
    Workflow,
    WorkflowError,
    guard,
    guard_label,
)


class DoorStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"
    IN_REPAIR = "in_repair"


OPEN, CLOSED, LOCKED, IN_REPAIR = DoorStatus.OPEN, DoorStatus.CLOSED, DoorStatus.LOCKED, DoorStatus.IN_REPAIR


@dataclass
class Door:
    status: DoorStatus = CLOSED
    key_holder: str | None = "porter"
    key_code: str = "K1"
    is_jammed: bool = False


@guard("has a key")
def has_key(door, context):
    return None if door.key_holder else "nobody holds the key"


@guard("key fits")
def key_fits(door, context):
    key = context.get("key")
    return None if key == door.key_code else f"key {key!r} does not fit"


def not_jammed(door, context):
    return "the lock is jammed" if door.is_jammed else None


TRANSITIONS = [
    Transition("close", "open", "closed"),
    # A trigger may share its name with a state: pytransitions keeps them apart.
    Transition("open", "closed", "open"),
    Transition("lock", "closed", "locked", guards=(has_key, key_fits)),
    Transition("unlock", "locked", "closed", guards=(has_key, key_fits, not_jammed)),
    Transition("repair", ("open", "closed", "locked"), "in_repair", label="send for repair"),
    Transition("reinstall", "in_repair", "closed"),
]
TRIGGERS = ["close", "open", "lock", "unlock", "repair", "reinstall"]
DOOR = Workflow("door", "1", DoorStatus, TRANSITIONS, initial=CLOSED)

ALLOWED = {
    OPEN: ["close", "repair"],
    CLOSED: ["open", "lock", "repair"],
    LOCKED: ["unlock", "repair"],
    IN_REPAIR: ["reinstall"],
}
ILLEGAL = None
# Every (state, trigger) pair with every guard satisfied: the state it leads to, or ILLEGAL.
TABLE = {
    (OPEN, "close"): CLOSED, (OPEN, "open"): ILLEGAL, (OPEN, "lock"): ILLEGAL,
    (OPEN, "unlock"): ILLEGAL, (OPEN, "repair"): IN_REPAIR, (OPEN, "reinstall"): ILLEGAL,
    (CLOSED, "close"): ILLEGAL, (CLOSED, "open"): OPEN, (CLOSED, "lock"): LOCKED,
    (CLOSED, "unlock"): ILLEGAL, (CLOSED, "repair"): IN_REPAIR, (CLOSED, "reinstall"): ILLEGAL,
    (LOCKED, "close"): ILLEGAL, (LOCKED, "open"): ILLEGAL, (LOCKED, "lock"): ILLEGAL,
    (LOCKED, "unlock"): CLOSED, (LOCKED, "repair"): IN_REPAIR, (LOCKED, "reinstall"): ILLEGAL,
    (IN_REPAIR, "close"): ILLEGAL, (IN_REPAIR, "open"): ILLEGAL, (IN_REPAIR, "lock"): ILLEGAL,
    (IN_REPAIR, "unlock"): ILLEGAL, (IN_REPAIR, "repair"): ILLEGAL, (IN_REPAIR, "reinstall"): CLOSED,
}


def test_table_covers_every_state_and_trigger():
    assert set(TABLE) == {(state, trigger) for state in DoorStatus for trigger in TRIGGERS}
    assert len(TABLE) == 24


@pytest.mark.parametrize(("state", "trigger"), list(TABLE), ids=[f"{s.value}-{t}" for s, t in TABLE])
def test_fire_every_state_trigger_pair(state, trigger):
    door = Door(status=state)
    expected = TABLE[(state, trigger)]
    if expected is ILLEGAL:
        with pytest.raises(IllegalTrigger) as refused:
            DOOR.fire(door, trigger, key="K1")
        assert refused.value.reason == (
            f"{trigger!r} is not allowed from {state.value!r}; allowed: {', '.join(ALLOWED[state])}"
        )
        assert (refused.value.trigger, refused.value.state, refused.value.allowed) == (trigger, state, ALLOWED[state])
        assert door.status is state
    else:
        assert DOOR.fire(door, trigger, key="K1") == Fired(trigger, state, expected)
        assert door.status is expected
    assert DOOR.machine.models == []


def test_fire_legal_trigger_changes_status_and_returns_fired():
    door = Door(status=CLOSED)

    fired = DOOR.fire(door, "lock", key="K1")

    assert fired == Fired(trigger="lock", from_state=CLOSED, to_state=LOCKED)
    assert door.status is LOCKED


def test_fire_guard_refusal_reports_every_reason_and_leaves_record_untouched():
    door = Door(status=LOCKED, key_holder=None, is_jammed=True)

    with pytest.raises(GuardRefused) as refused:
        DOOR.fire(door, "unlock", key="K9")

    assert refused.value.reasons == ["nobody holds the key", "key 'K9' does not fit", "the lock is jammed"]
    assert refused.value.reason == "nobody holds the key; key 'K9' does not fit; the lock is jammed"
    assert str(refused.value) == refused.value.reason
    assert (refused.value.trigger, refused.value.state) == ("unlock", LOCKED)
    assert isinstance(refused.value, WorkflowError)
    assert door == Door(status=LOCKED, key_holder=None, is_jammed=True)


def test_fire_guard_refusal_reports_only_failing_guards():
    door = Door(status=LOCKED, is_jammed=True)

    with pytest.raises(GuardRefused) as refused:
        DOOR.fire(door, "unlock", key="K1")

    assert refused.value.reasons == ["the lock is jammed"]
    assert door.status is LOCKED


def test_fire_illegal_trigger_names_allowed_triggers():
    door = Door(status=OPEN)

    with pytest.raises(IllegalTrigger) as refused:
        DOOR.fire(door, "lock", key="K1")

    assert refused.value.reason == "'lock' is not allowed from 'open'; allowed: close, repair"
    assert (refused.value.trigger, refused.value.state, refused.value.allowed) == ("lock", OPEN, ["close", "repair"])
    assert door.status is OPEN


def test_fire_unknown_trigger_raises_illegal_trigger():
    door = Door(status=OPEN)

    with pytest.raises(IllegalTrigger) as refused:
        DOOR.fire(door, "fly")

    assert refused.value.reason == "'fly' is not a trigger of this workflow; allowed from 'open': close, repair"
    assert (refused.value.trigger, refused.value.state) == ("fly", OPEN)
    assert door.status is OPEN


def test_fire_from_state_with_no_way_out_says_none():
    dead_end = Workflow("dead end", "1", DoorStatus, [Transition("close", "open", "closed")], initial=OPEN)

    with pytest.raises(IllegalTrigger) as refused:
        dead_end.fire(Door(status=CLOSED), "close")

    assert refused.value.reason == "'close' is not allowed from 'closed'; allowed: none"


def test_workflow_has_no_auto_transitions():
    assert list(DOOR.machine.events) == TRIGGERS
    with pytest.raises(IllegalTrigger) as refused:
        DOOR.fire(Door(status=OPEN), "to_locked")
    assert refused.value.reason == "'to_locked' is not a trigger of this workflow; allowed from 'open': close, repair"


def _explode(door, context):
    raise RuntimeError("sensor offline")


EXPLODING = Workflow("exploding", "1", DoorStatus, [Transition("lock", "closed", "locked", guards=(_explode,))],
                     initial=CLOSED)


@pytest.mark.parametrize(
    ("workflow", "door", "trigger", "raised"),
    [
        (DOOR, Door(status=CLOSED), "lock", None),
        (DOOR, Door(status=CLOSED, key_holder=None), "lock", GuardRefused),
        (DOOR, Door(status=OPEN), "lock", IllegalTrigger),
        (DOOR, Door(status=OPEN), "fly", IllegalTrigger),
        (EXPLODING, Door(status=CLOSED), "lock", RuntimeError),
    ],
    ids=["success", "guard-refused", "illegal", "unknown", "guard-raises"],
)
def test_machine_holds_no_models_after_fire(workflow, door, trigger, raised):
    if raised is None:
        workflow.fire(door, trigger, key="K1")
    else:
        with pytest.raises(raised):
            workflow.fire(door, trigger, key="K1")
    assert workflow.machine.models == []


def test_guard_exception_propagates_and_leaves_record_untouched():
    door = Door(status=CLOSED)

    with pytest.raises(RuntimeError, match="^sensor offline$"):
        EXPLODING.fire(door, "lock")

    assert door.status is CLOSED


def test_guard_returning_a_bool_raises_type_error():
    sloppy = Workflow("sloppy", "1", DoorStatus,
                      [Transition("lock", "closed", "locked", guards=(lambda door, context: False,))], initial=CLOSED)
    door = Door(status=CLOSED)

    with pytest.raises(TypeError, match="returned False; a guard returns None or a reason"):
        sloppy.fire(door, "lock")

    assert door.status is CLOSED
    assert sloppy.machine.models == []


def test_context_reaches_guards_as_a_dict():
    seen = []

    def spy(door, context):
        seen.append(context)

    spied = Workflow("spied", "1", DoorStatus, [Transition("open", "closed", "open", guards=(spy,))], initial=CLOSED)

    # Names the machinery itself uses (record, trigger, model) must still pass through as context.
    spied.fire(Door(status=CLOSED), "open", by="alice", record="r", trigger="t", model="m")

    assert seen == [{"by": "alice", "record": "r", "trigger": "t", "model": "m"}]


def test_fire_reads_and_writes_a_custom_status_attribute():
    @dataclass
    class Gate:
        position: DoorStatus

    gates = Workflow("gate", "1", DoorStatus, [Transition("close", "open", "closed")], initial=OPEN,
                     status_attr="position")
    gate = Gate(position=OPEN)

    assert gates.fire(gate, "close") == Fired("close", OPEN, CLOSED)
    assert gate.position is CLOSED


@pytest.mark.parametrize("status", [None, "closed", object()], ids=["none", "value-not-member", "object"])
def test_fire_rejects_a_status_that_is_not_a_member(status):
    door = Door(status=status)

    with pytest.raises(TypeError, match=r"^Door\.status is .*, not a DoorStatus$"):
        DOOR.fire(door, "open")

    assert door.status is status


def test_available_honours_state_and_guards():
    assert DOOR.available(Door(status=CLOSED), key="K1") == ["open", "lock", "repair"]
    assert DOOR.available(Door(status=CLOSED), key="K9") == ["open", "repair"]
    assert DOOR.available(Door(status=LOCKED), key="K1") == ["unlock", "repair"]
    assert DOOR.available(Door(status=LOCKED, is_jammed=True), key="K1") == ["repair"]
    assert DOOR.available(Door(status=IN_REPAIR)) == ["reinstall"]
    assert DOOR.machine.models == []


@pytest.mark.parametrize("state", list(DoorStatus), ids=[s.value for s in DoorStatus])
def test_triggers_from_each_state_ignores_guards(state):
    assert DOOR.triggers_from(state) == ALLOWED[state]


def test_triggers_from_rejects_a_foreign_state():
    with pytest.raises(TypeError, match="^'open' is not a DoorStatus$"):
        DOOR.triggers_from("open")


def test_check_reports_reasons_and_changes_nothing():
    door = Door(status=LOCKED, key_holder=None)

    assert DOOR.check(door, "unlock", key="K9") == ["nobody holds the key", "key 'K9' does not fit"]
    assert DOOR.check(door, "repair") == []
    assert door == Door(status=LOCKED, key_holder=None)
    assert DOOR.machine.models == []


def test_check_raises_illegal_trigger_for_a_trigger_not_allowed():
    door = Door(status=OPEN)

    with pytest.raises(IllegalTrigger) as refused:
        DOOR.check(door, "unlock")

    assert refused.value.reason == "'unlock' is not allowed from 'open'; allowed: close, repair"
    assert door.status is OPEN
    assert DOOR.machine.models == []


def test_guard_labels_come_from_the_decorator_or_the_name():
    assert [guard_label(g) for g in (has_key, key_fits, not_jammed)] == ["has a key", "key fits", "not jammed"]
    assert has_key(Door(key_holder=None), {}) == "nobody holds the key"


def test_transition_normalises_source_and_guards_to_tuples():
    edge = Transition("open", "closed", "open", guards=[has_key])

    assert (edge.source, edge.guards, edge.label) == (("closed",), (has_key,), None)


@pytest.mark.parametrize(
    ("transitions", "message"),
    [
        ([Transition("close", "ajar", "closed")], "close: 'ajar' is not a DoorStatus value"),
        ([Transition("close", "open", "shut")], "close: 'shut' is not a DoorStatus value"),
        ([Transition("close", "open", "closed"), Transition("close", "open", "locked")],
         "close: defined twice from 'open'"),
        ([Transition("close", ("open", "open"), "closed")], "close: defined twice from 'open'"),
        ([Transition("close", (), "closed")], "close: no source state"),
        ([Transition("state", "open", "closed")], "'state' cannot be a trigger name"),
        ([Transition("trigger", "open", "closed")], "'trigger' cannot be a trigger name"),
        ([Transition("shut door", "open", "closed")], "'shut door' cannot be a trigger name"),
    ],
    ids=["unknown-source", "unknown-dest", "duplicate-pair", "duplicate-in-source", "no-source",
         "reserved-state", "reserved-trigger", "not-identifier"],
)
def test_construction_rejects_bad_transitions(transitions, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        Workflow("bad", "1", DoorStatus, transitions, initial=OPEN)


def test_construction_allows_one_trigger_from_several_states():
    workflow = Workflow("shut", "1", DoorStatus, [Transition("shut", ("open", "locked"), "closed")], initial=OPEN)

    assert [workflow.triggers_from(s) for s in DoorStatus] == [["shut"], [], ["shut"], []]


def test_construction_rejects_an_initial_state_from_another_enum():
    class Other(enum.Enum):
        OPEN = "open"

    with pytest.raises(ValueError, match="^initial <Other.OPEN: 'open'> is not a DoorStatus$"):
        Workflow("bad", "1", DoorStatus, TRANSITIONS, initial=Other.OPEN)


def test_construction_rejects_state_values_that_are_not_identifiers():
    class Spaced(enum.Enum):
        OPEN = "wide open"

    with pytest.raises(ValueError, match="^Spaced values must be identifier strings"):
        Workflow("bad", "1", Spaced, [], initial=Spaced.OPEN)


def test_construction_rejects_enum_states_given_as_sources():
    with pytest.raises(TypeError, match="^close: states are given by value"):
        Transition("close", OPEN, "closed")


DOOR_LOCKED_DIAGRAM = """\
---
title: door (version 1)
---
stateDiagram-v2
  direction LR
  classDef s_default fill:white,color:black
  classDef s_inactive fill:white,color:black
  classDef s_parallel color:black,fill:white
  classDef s_active color:#ffffff,fill:#005eb8
  classDef s_previous color:#212b32,fill:#e8edee
  
  state "open" as open
  class open s_default
  state "closed" as closed
  class closed s_default
  state "locked" as locked
  class locked s_active
  state "in repair" as in_repair
  class in_repair s_default
  
  open --> closed: close
  open --> in_repair: send for repair
  closed --> open: open
  closed --> locked: lock [has a key & key fits]
  closed --> in_repair: send for repair
  locked --> closed: unlock [has a key & key fits & not jammed]
  locked --> in_repair: send for repair
  in_repair --> closed: reinstall
  [*] --> closed"""


def test_mermaid_draws_every_transition_and_marks_the_current_state():
    assert DOOR.mermaid(LOCKED) == DOOR_LOCKED_DIAGRAM


def test_mermaid_is_deterministic_across_calls_and_instances():
    fresh = Workflow("door", "1", DoorStatus, TRANSITIONS, initial=CLOSED)

    assert fresh.mermaid(LOCKED) == DOOR.mermaid(LOCKED) == DOOR.mermaid(LOCKED)
    assert fresh.mermaid() == DOOR.mermaid()


def test_mermaid_without_a_current_state_marks_none_active():
    diagram = DOOR.mermaid()

    assert [line.strip() for line in diagram.splitlines() if line.strip().startswith("class ")] == [
        "class open s_default", "class closed s_default", "class locked s_default", "class in_repair s_default",
    ]


@pytest.mark.parametrize("state", list(DoorStatus), ids=[s.value for s in DoorStatus])
def test_mermaid_marks_exactly_the_current_state(state):
    active = [line.strip() for line in DOOR.mermaid(state).splitlines() if line.endswith(" s_active")]

    assert active == [f"class {state.value} s_active"]


def test_mermaid_uses_a_label_the_states_enum_provides():
    class Level(enum.Enum):
        STEP_UP = "step_up"
        STANDARD = "standard"

        @property
        def label(self):
            return {"step_up": "Step up", "standard": "Standard"}[self.value]

    levels = Workflow("level", "1", Level, [Transition("relax", "step_up", "standard")], initial=Level.STANDARD)

    assert '  state "Step up" as step_up' in levels.mermaid().splitlines()


def test_concurrent_fires_on_separate_records_end_in_the_right_states():
    threads_count, fires_each = 8, 200
    doors = [Door(status=CLOSED) for _ in range(threads_count)]
    results: list[list[DoorStatus]] = [[] for _ in range(threads_count)]
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def work(index):
        try:
            start.wait()
            for n in range(fires_each):
                trigger = "lock" if n % 2 == 0 else "unlock"
                results[index].append(DOOR.fire(doors[index], trigger, key="K1").to_state)
                if n % 10 == 0:
                    with pytest.raises(IllegalTrigger):
                        DOOR.fire(doors[index], "close")
        except BaseException as err:  # surfaced below: an assertion in a thread would otherwise vanish
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [door.status for door in doors] == [CLOSED] * threads_count
    assert results == [[LOCKED, CLOSED] * (fires_each // 2)] * threads_count
    assert DOOR.machine.models == []
