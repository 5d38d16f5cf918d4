"""Variables: checking every `${...}` of a process, and resolving values for a release.

Scopes run from the inputs and process variables (global) through phase variables to
activity variables; `scopes.Scopes` decides what a reference means. Activity outputs exist
only once the activity has run, so a value that needs one is *pending*: its value is None
and `ResolvedVariable.pending` names the references still awaited.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass

from app.domain.activity_config import RESPONSE_TEMPLATED
from app.domain.conditions import parse_condition
from app.domain.errors import FieldProblem
from app.domain.expressions import find_references, render
from app.domain.graphs import dependencies_first, find_cycles
from app.domain.paths import child, item
from app.domain.process import ActivityKind, JsonValue, ProcessSpec
from app.domain.references import ExpressionError, Lookup, OutputRef, Reference, is_identifier
from app.domain.scopes import InputId, Resolved, ScopeError, Scopes, Site, VariableId

Outputs = Mapping[tuple[str, str], JsonValue]


class UnresolvedReference(LookupError):
    """A reference whose value cannot be given (yet): unknown, broken, or awaiting an output."""


@dataclass(frozen=True, slots=True)
class ResolvedVariable:
    """A variable with its expression as written and its value (None while `pending`)."""

    name: str
    expression: str
    value: JsonValue
    pending: tuple[str, ...] = ()  # references to activity outputs not produced yet

    @property
    def is_known(self) -> bool:
        return not self.pending


@dataclass(frozen=True, slots=True)
class _Links:
    """The references found in one expression and what each means where it stands."""

    resolved: list[tuple[Reference, Resolved]]
    problems: list[FieldProblem]  # syntax errors and references that mean nothing

    @property
    def broken(self) -> bool:
        return bool(self.problems)


class _Analysis:
    """What every variable refers to, and the problems that makes (unknown names, cycles)."""

    def __init__(self, spec: ProcessSpec) -> None:
        self.scopes = Scopes(spec)
        self.problems: list[FieldProblem] = []
        self.links: dict[VariableId, _Links] = {}
        # Every entry is checked, duplicates too; the first of a name is the one that counts.
        for entry in self.scopes.entries:
            path = child(entry.path, "value")
            links = self.link(entry.definition.value, entry.id.site, path)
            self.problems += links.problems
            self.links.setdefault(entry.id, links)
        self.broken = {variable for variable, links in self.links.items() if links.broken}
        graph = {
            variable: [t for _, t in links.resolved if isinstance(t, VariableId)]
            for variable, links in self.links.items()
        }
        # Walking variables in this order keeps recursion shallow however long a chain is.
        self.order = dependencies_first(graph)
        for cycle in find_cycles(graph):
            self.broken.update(cycle)
            path = child(self.scopes.variables[cycle[0]].path, "value")
            named = " -> ".join(str(variable) for variable in cycle)
            self.problems.append(FieldProblem(path, f"variables form a cycle: {named}"))

    def link(self, text: str, site: Site, path: str, *, condition: bool = False) -> _Links:
        """Resolve every reference in `text` at `site`, with a problem for each failure."""
        try:
            references = (
                list(parse_condition(text).references) if condition else find_references(text)
            )
        except ExpressionError as error:
            return _Links([], [FieldProblem(path, str(error))])
        resolved: list[tuple[Reference, Resolved]] = []
        problems: list[FieldProblem] = []
        for reference in references:
            try:
                resolved.append((reference, self.scopes.resolve(reference, site)))
            except ScopeError as error:
                problems.append(FieldProblem(path, f"{reference.raw}: {error}"))
        return _Links(resolved, problems)


class _OutputCheck:
    """Outputs may be read only downstream of the activity that produces them."""

    def __init__(self, analysis: _Analysis) -> None:
        self.analysis = analysis
        self.scopes = analysis.scopes
        self._producers: dict[VariableId, frozenset[tuple[str, str]]] = {}
        for variable in analysis.order:
            self.producers(variable)

    def producers(self, variable: VariableId) -> frozenset[tuple[str, str]]:
        """The outputs `variable` needs, counting only those it may read (others are reported)."""
        if variable in self._producers:
            return self._producers[variable]
        if variable in self.analysis.broken:
            return frozenset()  # it has no value at all, which is reported already
        upstream = self.scopes.upstream(variable.site)
        needed: set[tuple[str, str]] = set()
        for _, target in self.analysis.links[variable].resolved:
            if isinstance(target, OutputRef):
                needed.add(target.producer)
            elif isinstance(target, VariableId):
                needed |= self.producers(target)
        self._producers[variable] = frozenset(needed & upstream)
        return self._producers[variable]

    def problems(self, links: _Links, site: Site, path: str) -> list[FieldProblem]:
        upstream = self.scopes.upstream(site)
        problems = []
        for reference, target in links.resolved:
            if isinstance(target, OutputRef) and target.producer not in upstream:
                problems.append(
                    FieldProblem(
                        path,
                        f"{reference.raw}: {site.describe()} does not depend on activity "
                        f"{target.activity_key!r}, so its output is not available here",
                    )
                )
            elif isinstance(target, VariableId):
                for phase_key, activity_key in sorted(self.producers(target) - upstream):
                    problems.append(
                        FieldProblem(
                            path,
                            f"{reference.raw} uses the output of {phase_key}.{activity_key}, "
                            f"which {site.describe()} does not depend on",
                        )
                    )
        return problems


def _strings_in(value: JsonValue, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a JSON value, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings_in(inner, child(path, str(key)))
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            yield from _strings_in(inner, item(path, index))


def _name_problems(scopes: Scopes) -> list[FieldProblem]:
    problems = []
    first: dict[VariableId, str] = {}
    for entry in scopes.entries:
        path = child(entry.path, "name")
        name = entry.definition.name
        if not is_identifier(name):
            problems.append(
                FieldProblem(
                    path, "must start with a letter or '_' and hold only letters, digits and '_'"
                )
            )
        if entry.id in first:
            problems.append(
                FieldProblem(
                    path,
                    f"duplicate variable {name!r} in {entry.id.site.describe()} "
                    f"(also {first[entry.id]})",
                )
            )
        elif entry.id.site == Site() and name in scopes.inputs:
            problems.append(FieldProblem(path, f"{name!r} is already the name of an input"))
        first.setdefault(entry.id, path)
    return problems


def check_process_variables(spec: ProcessSpec) -> list[FieldProblem]:
    """Every problem with the expressions of a process: variables, conditions, config strings.

    Syntax errors, unknown or ambiguous names, cycles, outputs read by something that does
    not depend on their activity, and duplicate variable names are all reported.
    """
    analysis = _Analysis(spec)
    outputs = _OutputCheck(analysis)
    problems = _name_problems(analysis.scopes) + analysis.problems
    for variable, links in analysis.links.items():
        path = child(analysis.scopes.variables[variable].path, "value")
        problems += outputs.problems(links, variable.site, path)
    for p, phase in enumerate(spec.phases):
        for a, activity in enumerate(phase.activities):
            site = Site(phase.key, activity.key)
            activity_path = item(child(item("phases", p), "activities"), a)
            expressions: list[tuple[str, str, bool]] = []
            if activity.condition is not None:
                expressions.append((child(activity_path, "condition"), activity.condition, True))
            config_path = child(activity_path, "config")
            polled = {child(child(config_path, "poll"), k) for k in RESPONSE_TEMPLATED}
            for path, text in _strings_in(activity.config, config_path):
                if activity.kind is ActivityKind.HTTP and path in polled:
                    continue  # read against the poll responses at run time: activity_config
                expressions.append((path, text, False))
            for path, text, is_condition in expressions:
                links = analysis.link(text, site, path, condition=is_condition)
                problems += links.problems + outputs.problems(links, site, path)
    return problems


@dataclass(frozen=True, slots=True)
class _Outcome:
    value: JsonValue = None
    pending: tuple[str, ...] = ()
    error: str | None = None


def _dig(value: JsonValue, fields: tuple[str, ...]) -> tuple[bool, JsonValue]:
    for field in fields:
        if isinstance(value, dict) and field in value:
            value = value[field]
        elif isinstance(value, list) and field.isdigit() and int(field) < len(value):
            value = value[int(field)]
        else:
            return False, None
    return True, value


class Resolution:
    """The values of every variable for one release, and lookups for templating activities."""

    def __init__(
        self,
        spec: ProcessSpec,
        inputs: Mapping[str, JsonValue],
        outputs: Outputs,
        analysis: _Analysis | None = None,
    ):
        self._analysis = analysis or _Analysis(spec)
        self._scopes = self._analysis.scopes
        self._inputs = inputs
        self._outputs = outputs
        self._values: dict[VariableId, _Outcome] = {}
        self.problems: list[FieldProblem] = list(self._analysis.problems)
        for variable in self._analysis.order:
            self._value_of(variable)
        self._by_site: dict[Site, list[ResolvedVariable]] = {}
        for variable, entry in self._scopes.variables.items():
            outcome = self._value_of(variable)
            resolved = ResolvedVariable(
                variable.name, entry.definition.value, outcome.value, outcome.pending
            )
            self._by_site.setdefault(variable.site, []).append(resolved)
        self.globals: list[ResolvedVariable] = self._by_site.get(Site(), [])

    def phase(self, phase_key: str) -> list[ResolvedVariable]:
        """The resolved variables of one phase."""
        if phase_key not in self._scopes.phase_paths:
            raise KeyError(f"there is no phase {phase_key!r}")
        return self._by_site.get(Site(phase_key), [])

    def activity(self, phase_key: str, activity_key: str) -> list[ResolvedVariable]:
        """The resolved variables of one activity."""
        self._require_activity(phase_key, activity_key)
        return self._by_site.get(Site(phase_key, activity_key), [])

    def lookup_for(self, phase_key: str, activity_key: str) -> Lookup:
        """Values as an activity sees them, for its config and condition.

        The lookup raises UnresolvedReference for a reference that is broken or still waits
        for an activity output.
        """
        self._require_activity(phase_key, activity_key)
        site = Site(phase_key, activity_key)

        def lookup(reference: Reference) -> JsonValue:
            try:
                target = self._scopes.resolve(reference, site)
            except ScopeError as error:
                raise UnresolvedReference(f"{reference.raw}: {error}") from None
            outcome = self._outcome(target)
            if outcome.error is not None:
                raise UnresolvedReference(f"{reference.raw}: {outcome.error}")
            if outcome.pending:
                waiting = ", ".join(outcome.pending)
                raise UnresolvedReference(f"{reference.raw} is not known yet: needs {waiting}")
            return outcome.value

        return lookup

    def _require_activity(self, phase_key: str, activity_key: str) -> None:
        if not self._scopes.has_activity(phase_key, activity_key):
            raise KeyError(f"phase {phase_key!r} has no activity {activity_key!r}")

    def _outcome(self, target: Resolved) -> _Outcome:
        if isinstance(target, InputId):
            return _Outcome(self._inputs.get(target.name))
        if isinstance(target, VariableId):
            return self._value_of(target)
        if target.producer not in self._outputs:
            return _Outcome(pending=(f"${{{target}}}",))
        found, value = _dig(self._outputs[target.producer], target.fields)
        if not found:
            return _Outcome(
                error=f"the output of {target.phase_key}.{target.activity_key} "
                f"has no {'.'.join(target.fields)!r}"
            )
        return _Outcome(value)

    def _value_of(self, variable: VariableId) -> _Outcome:
        if variable in self._values:
            return self._values[variable]
        if variable in self._analysis.broken:
            outcome = _Outcome(error=f"variable {variable.name!r} has no value (see problems)")
        else:
            outcome = self._evaluate(variable)
        self._values[variable] = outcome
        return outcome

    def _evaluate(self, variable: VariableId) -> _Outcome:
        values: dict[Reference, JsonValue] = {}
        pending: list[str] = []
        for reference, target in self._analysis.links[variable].resolved:
            outcome = self._outcome(target)
            if outcome.error is not None:
                if isinstance(target, OutputRef):
                    path = child(self._scopes.variables[variable].path, "value")
                    self.problems.append(FieldProblem(path, f"{reference.raw}: {outcome.error}"))
                return _Outcome(error=outcome.error)
            pending += [raw for raw in outcome.pending if raw not in pending]
            values[reference] = outcome.value
        if pending:
            return _Outcome(pending=tuple(pending))
        text = self._scopes.variables[variable].definition.value
        return _Outcome(render(text, values.__getitem__))


# What a plan's variables refer to depends only on the plan, and a plan is fixed once its
# process version exists; keeping the analysis spares every request the parsing.
_ANALYSES: OrderedDict[Hashable, _Analysis] = OrderedDict()
MAX_CACHED_ANALYSES = 512


def _analysis_for(spec: ProcessSpec, plan_key: Hashable | None) -> _Analysis:
    if plan_key is None:
        return _Analysis(spec)
    found = _ANALYSES.get(plan_key)
    if found is None:
        found = _ANALYSES[plan_key] = _Analysis(spec)
        if len(_ANALYSES) > MAX_CACHED_ANALYSES:
            _ANALYSES.popitem(last=False)
    else:
        _ANALYSES.move_to_end(plan_key)
    return found


def resolve(
    spec: ProcessSpec,
    inputs: Mapping[str, JsonValue],
    outputs: Outputs | None = None,
    *,
    plan_key: Hashable | None = None,
) -> Resolution:
    """Every variable of `spec` resolved with these input values and the outputs known so far.

    `plan_key` names an immutable plan (a process id and version), letting the analysis of
    its expressions be reused.
    """
    return Resolution(spec, inputs, outputs or {}, _analysis_for(spec, plan_key))
