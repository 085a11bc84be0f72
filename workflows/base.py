"""Binds any record with a status to one shared pytransitions Machine per workflow: fire, check, list, draw."""
from __future__ import annotations

import enum
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from transitions import Machine, MachineError, State
from transitions.extensions import GraphMachine

#: A guard takes the record and the caller's context; returns None when satisfied, else a reason people can act on.
Guard = Callable[[Any, dict], "str | None"]

# Names pytransitions itself puts on the bound object; a trigger with one of these names could not be bound.
_RESERVED_TRIGGERS = frozenset({"state", "trigger", "may_trigger"})


class WorkflowError(Exception):
    """A workflow refused to act; `.reason` says why in words fit to show the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class IllegalTrigger(WorkflowError):
    """The trigger is unknown, or not allowed from the record's current state (guards not considered)."""

    def __init__(self, trigger: str, state: enum.Enum, allowed: list[str], *, known: bool):
        self.trigger = trigger
        self.state = state
        self.allowed = allowed
        listed = ", ".join(allowed) or "none"
        if known:
            reason = f"{trigger!r} is not allowed from {state.value!r}; allowed: {listed}"
        else:
            reason = f"{trigger!r} is not a trigger of this workflow; allowed from {state.value!r}: {listed}"
        super().__init__(reason)


class GuardRefused(WorkflowError):
    """The trigger is allowed from the state but at least one guard is not satisfied; `.reasons` lists them all."""

    def __init__(self, trigger: str, state: enum.Enum, reasons: list[str]):
        self.trigger = trigger
        self.state = state
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def guard(label: str) -> Callable[[Guard], Guard]:
    """Decorator giving a guard the readable `label` diagrams show; returns the guard itself, unchanged otherwise."""

    def mark(func: Guard) -> Guard:
        func.label = label
        return func

    return mark


def guard_label(func: Guard) -> str:
    """The guard's `label` if it has one, else its function name with underscores as spaces."""
    return getattr(func, "label", None) or getattr(func, "__name__", repr(func)).replace("_", " ")


@dataclass(frozen=True)
class Transition:
    """One edge of a workflow: `trigger` moves a record from any of `source` (state values) to `dest`.

    `source` may be given as one value or a tuple; it is always stored as a tuple. `guards` all run, in order,
    and every reason they return is reported together. `label`, if given, replaces the trigger on diagrams.
    """

    trigger: str
    source: str | tuple[str, ...]
    dest: str
    guards: tuple[Guard, ...] = ()
    label: str | None = None

    def __post_init__(self):
        # frozen: normalising needs object.__setattr__, once, here.
        source = tuple(self.source) if isinstance(self.source, (tuple, list)) else (self.source,)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "guards", tuple(self.guards))
        for value in (*self.source, self.dest):
            if not isinstance(value, str):
                raise TypeError(f"{self.trigger}: states are given by value (str), not {value!r}")
        for func in self.guards:
            if not callable(func):
                raise TypeError(f"{self.trigger}: guard {func!r} is not callable")


@dataclass(frozen=True)
class Fired:
    """What a successful `Workflow.fire` did."""

    trigger: str
    from_state: enum.Enum
    to_state: enum.Enum


class _Binding:
    """What the shared machine sees of a record during one call: the state value, the record, the guards' verdict."""

    def __init__(self, record: Any, state: str):
        self.record = record
        self.state = state
        self.refusals: list[str] = []


class _LabelledState(State):
    """A pytransitions State carrying the `label` that the markup (and so the mermaid diagram) reads."""

    def __init__(self, *args, label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label


class _DiagramMachine(GraphMachine):
    """A GraphMachine whose states accept a `label`; used only to draw, never to fire."""

    state_cls = _LabelledState
    # NHS blue with white text for the current state: readable (WCAG AA contrast), unlike the default salmon.
    style_attributes = {
        **GraphMachine.style_attributes,
        "node": {
            **GraphMachine.style_attributes["node"],
            "active": {"color": "#ffffff", "fillcolor": "#005eb8", "peripheries": "2"},
            "previous": {"color": "#212b32", "fillcolor": "#e8edee", "peripheries": "1"},
        },
    }


def _run_guards(guards: Iterable[Guard], record: Any, context: dict) -> list[str]:
    """Every reason the guards give, in guard order; raises TypeError if a guard returns anything but None or str."""
    reasons = []
    for func in guards:
        reason = func(record, context)
        if reason is None:
            continue
        if not isinstance(reason, str):
            # A guard returning True/False is the likeliest slip; failing loudly beats a silent wrong verdict.
            raise TypeError(f"guard {guard_label(func)!r} returned {reason!r}; a guard returns None or a reason")
        reasons.append(reason)
    return reasons


def _condition(guards: tuple[Guard, ...]) -> Callable[[Any], bool]:
    """A pytransitions condition (send_event=True) running all `guards` and leaving their reasons on the binding."""

    def condition(event) -> bool:
        binding = event.model
        binding.refusals = _run_guards(guards, binding.record, event.args[0])
        return not binding.refusals

    condition.__name__ = " & ".join(guard_label(g) for g in guards)
    return condition


def _state_label(member: enum.Enum) -> str:
    """The member's own `label` if its enum defines one, else its value with underscores as spaces."""
    label = getattr(member, "label", None)
    return label if isinstance(label, str) else member.value.replace("_", " ")


def _check_definition(states: type[enum.Enum], transitions: Sequence[Transition], initial: enum.Enum) -> None:
    """Raise ValueError (TypeError for wrong kinds of thing) unless the definition is one a Machine can run as-is."""
    if not (isinstance(states, type) and issubclass(states, enum.Enum)) or not list(states):
        raise TypeError(f"states must be a non-empty Enum class, not {states!r}")
    values = [member.value for member in states]
    if not all(isinstance(v, str) and v.isidentifier() for v in values):
        # Values become machine state names and diagram node ids, so they must be plain identifiers.
        raise ValueError(f"{states.__name__} values must be identifier strings: {values!r}")
    if not isinstance(initial, states):
        raise ValueError(f"initial {initial!r} is not a {states.__name__}")
    seen: set[tuple[str, str]] = set()
    for edge in transitions:
        if not isinstance(edge, Transition):
            raise TypeError(f"{edge!r} is not a Transition")
        if not edge.trigger.isidentifier() or edge.trigger.startswith("_") or edge.trigger in _RESERVED_TRIGGERS:
            raise ValueError(f"{edge.trigger!r} cannot be a trigger name")
        if not edge.source:
            raise ValueError(f"{edge.trigger}: no source state")
        for value in (*edge.source, edge.dest):
            if value not in values:
                raise ValueError(f"{edge.trigger}: {value!r} is not a {states.__name__} value; states: {values}")
        for value in edge.source:
            if (edge.trigger, value) in seen:
                raise ValueError(f"{edge.trigger}: defined twice from {value!r}")
            seen.add((edge.trigger, value))


class Workflow:
    """One workflow's states and transitions, bound to one shared pytransitions Machine, built at import time.

    Records are any objects whose `status_attr` holds a member of `states`; they are bound to the machine only
    for the length of a call, so the machine never keeps hold of one. Calls are serialised by a lock because
    the machine's model list is shared across the threads of a web server; guards run under that lock.
    """

    def __init__(self, name: str, version: str, states: type[enum.Enum], transitions: Sequence[Transition],
                 initial: enum.Enum, status_attr: str = "status"):
        """Validate the definition and build the machine; raises ValueError or TypeError if it is malformed."""
        _check_definition(states, transitions, initial)
        if not status_attr.isidentifier():
            raise ValueError(f"{status_attr!r} is not an attribute name")
        self.name = name
        self.version = version
        self.states = states
        self.transitions: list[Transition] = list(transitions)
        self.initial = initial
        self.status_attr = status_attr
        self._pairs = {(t.trigger, value) for t in self.transitions for value in t.source}
        self._triggers = {t.trigger for t in self.transitions}
        # Re-entrant so that a guard may ask this same workflow a question without deadlocking.
        self._lock = threading.RLock()
        self._machine = Machine(
            model=None, states=[member.value for member in states], initial=None,
            transitions=[_machine_spec(t) for t in self.transitions],
            auto_transitions=False, send_event=True, ignore_invalid_triggers=False, name=name,
        )
        self._diagram_machine: GraphMachine | None = None
        self._diagrams: dict[enum.Enum | None, str] = {}

    def __repr__(self) -> str:
        return f"<Workflow {self.name} v{self.version}>"

    @property
    def machine(self) -> Machine:
        """The shared pytransitions Machine, for inspection only: never add models to it directly."""
        return self._machine

    def fire(self, record: Any, trigger: str, /, **context: Any) -> Fired:
        """Run `trigger` on `record`, its guards seeing `context`; on success set the record's status.

        Returns Fired(trigger, from_state, to_state). Raises IllegalTrigger if the trigger is unknown or not
        allowed from the record's state, GuardRefused (with every guard's reason) if a guard objects, and
        TypeError if the record's status is not a member of `states`. On any refusal the record is unchanged.
        """
        with self._lock:
            state = self._state_of(record)
            self._require_legal(trigger, state)
            with self._bound(record, state) as binding:
                try:
                    # Context travels as one positional dict: as keywords, names such as `model` would collide
                    # with pytransitions' own parameters.
                    done = binding.trigger(trigger, dict(context))
                except MachineError as err:
                    # Unreachable after _require_legal, unless the two ever disagree; never let it leak.
                    raise self._illegal(trigger, state) from err
                if not done:
                    raise GuardRefused(trigger, state, list(binding.refusals))
                new_state = self.states(binding.state)
            setattr(record, self.status_attr, new_state)
        return Fired(trigger, state, new_state)

    def check(self, record: Any, trigger: str, /, **context: Any) -> list[str]:
        """The reasons `fire` would be refused by guards now ([] if it would succeed); changes nothing.

        Raises IllegalTrigger if the trigger is unknown or not allowed from the record's state.
        """
        with self._lock:
            state = self._state_of(record)
            self._require_legal(trigger, state)
            with self._bound(record, state) as binding:
                binding.may_trigger(trigger, dict(context))
                return list(binding.refusals)

    def triggers_from(self, state: enum.Enum) -> list[str]:
        """Triggers allowed from `state` whatever the guards say, in the order the transitions were defined."""
        self._require_member(state)
        return [t.trigger for t in self.transitions if state.value in t.source]

    def available(self, record: Any, **context: Any) -> list[str]:
        """Triggers allowed from the record's state whose guards all pass now, in definition order; changes nothing."""
        with self._lock:
            state = self._state_of(record)
            with self._bound(record, state) as binding:
                return [t for t in self.triggers_from(state) if binding.may_trigger(t, dict(context))]

    def mermaid(self, current: enum.Enum | None = None) -> str:
        """A mermaid stateDiagram-v2 of the workflow with `current` (if given) styled active; deterministic, cached."""
        if current is not None:
            self._require_member(current)
        with self._lock:
            if current not in self._diagrams:
                self._diagrams[current] = self._render(current)
            return self._diagrams[current]

    def _render(self, current: enum.Enum | None) -> str:
        # Built on first use: most processes (workers, jobs) never draw a diagram.
        if self._diagram_machine is None:
            self._diagram_machine = _DiagramMachine(
                model=None, initial=self.initial.value,
                states=[{"name": m.value, "label": _state_label(m)} for m in self.states],
                transitions=[_diagram_spec(t) for t in self.transitions],
                auto_transitions=False, graph_engine="mermaid", show_conditions=True,
                # transitions writes the title line verbatim into mermaid's YAML front matter.
                title=f"title: {self.name} (version {self.version})",
            )
        graph = self._diagram_machine.graph_cls(self._diagram_machine)
        if current is not None:
            graph.set_node_style(current.value, "active")
        source = graph.get_graph(title=self._diagram_machine.title).source
        # transitions writes `Class x y`; mermaid's documented statement is lower-case `class`.
        return re.sub(r"^(\s*)Class ", r"\1class ", source, flags=re.MULTILINE)

    def _state_of(self, record: Any) -> enum.Enum:
        value = getattr(record, self.status_attr)
        if not isinstance(value, self.states):
            raise TypeError(f"{type(record).__name__}.{self.status_attr} is {value!r}, not a {self.states.__name__}")
        return value

    def _require_member(self, state: Any) -> None:
        if not isinstance(state, self.states):
            raise TypeError(f"{state!r} is not a {self.states.__name__}")

    def _require_legal(self, trigger: str, state: enum.Enum) -> None:
        if (trigger, state.value) not in self._pairs:
            raise self._illegal(trigger, state)

    def _illegal(self, trigger: str, state: enum.Enum) -> IllegalTrigger:
        return IllegalTrigger(trigger, state, self.triggers_from(state), known=trigger in self._triggers)

    @contextmanager
    def _bound(self, record: Any, state: enum.Enum):
        """Attach a fresh binding of `record` to the machine, and always detach it; caller holds the lock."""
        binding = _Binding(record, state.value)
        self._machine.add_model(binding, initial=state.value)
        try:
            yield binding
        finally:
            self._machine.remove_model(binding)


def _machine_spec(edge: Transition) -> dict:
    """The add_transition arguments for the running machine: one condition per edge that runs all its guards."""
    spec = {"trigger": edge.trigger, "source": list(edge.source), "dest": edge.dest}
    if edge.guards:
        spec["conditions"] = [_condition(edge.guards)]
    return spec


def _diagram_spec(edge: Transition) -> dict:
    """The add_transition arguments for the diagram machine: guard labels stand in for guards, never evaluated."""
    spec = {"trigger": edge.trigger, "source": list(edge.source), "dest": edge.dest, "label": edge.label}
    if edge.guards:
        spec["conditions"] = [guard_label(g) for g in edge.guards]
    return spec
