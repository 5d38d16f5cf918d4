"""Where a `${...}` looks: the scopes of a process, and which activities run before which."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property

from app.domain.graphs import upstream_of
from app.domain.paths import child, item
from app.domain.process import ProcessSpec, VariableDefinition
from app.domain.references import NameRef, OutputRef, PhaseVariableRef, Reference

GLOBAL_PATH = ""


class ScopeError(ValueError):
    """A reference that names nothing in scope, or more than one thing."""


@dataclass(frozen=True, slots=True)
class Site:
    """Where an expression lives: the process itself, one phase, or one activity of a phase."""

    phase_key: str | None = None
    activity_key: str | None = None

    def outwards(self) -> list[Site]:
        """This scope and the ones around it, innermost first."""
        sites = [self]
        if self.activity_key is not None:
            sites.append(Site(self.phase_key))
        if self.phase_key is not None:
            sites.append(Site())
        return sites

    def describe(self) -> str:
        if self.activity_key is not None:
            return f"activity {self.activity_key!r}"
        if self.phase_key is not None:
            return f"phase {self.phase_key!r}"
        return "the process variables"


@dataclass(frozen=True, slots=True)
class VariableId:
    """One variable: the scope that defines it and its name."""

    site: Site
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class InputId:
    """One input of the process, by name."""

    name: str


Resolved = VariableId | InputId | OutputRef


@dataclass(frozen=True, slots=True)
class VariableEntry:
    """A variable as written, with the path of its definition (`phases[0].variables[1]`)."""

    id: VariableId
    definition: VariableDefinition
    path: str


class Scopes:
    """Every name a process defines, and the answer to "what does this reference mean here?"."""

    def __init__(self, spec: ProcessSpec) -> None:
        self.inputs = {definition.name for definition in spec.inputs}
        self.entries: list[VariableEntry] = []
        self.phase_paths: dict[str, str] = {}
        self.activity_paths: dict[tuple[str, str], str] = {}
        self.phase_of: dict[str, str] = {}
        self.phase_depends: dict[str, tuple[str, ...]] = {}
        self.activity_depends: dict[str, dict[str, tuple[str, ...]]] = {}
        self._add_variables(Site(), spec.variables, GLOBAL_PATH)
        for p, phase in enumerate(spec.phases):
            phase_path = item("phases", p)
            self.phase_paths.setdefault(phase.key, phase_path)
            self.phase_depends.setdefault(phase.key, phase.depends_on)
            self._add_variables(Site(phase.key), phase.variables, phase_path)
            depends = self.activity_depends.setdefault(phase.key, {})
            for a, activity in enumerate(phase.activities):
                activity_path = item(child(phase_path, "activities"), a)
                self.activity_paths.setdefault((phase.key, activity.key), activity_path)
                self.phase_of.setdefault(activity.key, phase.key)
                depends.setdefault(activity.key, activity.depends_on)
                site = Site(phase.key, activity.key)
                self._add_variables(site, activity.variables, activity_path)
        self.variables: dict[VariableId, VariableEntry] = {}
        for entry in self.entries:
            self.variables.setdefault(entry.id, entry)
        self._phases_defining: dict[str, list[str]] = {}
        for variable in self.variables:
            key = variable.site.phase_key
            if key is not None and variable.site.activity_key is None:
                self._phases_defining.setdefault(variable.name, []).append(key)

    def _add_variables(
        self, site: Site, variables: tuple[VariableDefinition, ...], base: str
    ) -> None:
        for index, definition in enumerate(variables):
            path = item(child(base, "variables"), index)
            self.entries.append(VariableEntry(VariableId(site, definition.name), definition, path))

    def resolve(self, reference: Reference, site: Site) -> Resolved:
        """What `reference` means when written at `site`; ScopeError when that is unclear."""
        target = reference.target
        if isinstance(target, NameRef):
            return self._resolve_name(target.name, site)
        if isinstance(target, PhaseVariableRef):
            self._require_phase(target.phase_key)
            variable = VariableId(Site(target.phase_key), target.name)
            if variable not in self.variables:
                raise ScopeError(f"phase {target.phase_key!r} has no variable {target.name!r}")
            return variable
        self._require_phase(target.phase_key)
        if target.producer not in self.activity_paths:
            actual = self.phase_of.get(target.activity_key)
            where = f" (it is in phase {actual!r})" if actual else ""
            raise ScopeError(
                f"phase {target.phase_key!r} has no activity {target.activity_key!r}{where}"
            )
        return target

    def _require_phase(self, phase_key: str) -> None:
        if phase_key not in self.phase_paths:
            raise ScopeError(f"there is no phase {phase_key!r}")

    def _resolve_name(self, name: str, site: Site) -> Resolved:
        for scope in site.outwards():
            if VariableId(scope, name) in self.variables:
                return VariableId(scope, name)
        if name in self.inputs:
            return InputId(name)
        # The reference text's Deploy activity reads the Build phase's variable by its bare
        # name: another phase's variable is found when exactly one phase defines that name.
        others = [p for p in self._phases_defining.get(name, []) if p != site.phase_key]
        if len(others) == 1:
            return VariableId(Site(others[0]), name)
        if others:
            forms = " or ".join(f"${{phases.{p}.{name}}}" for p in others)
            phases = ", ".join(repr(p) for p in others)
            raise ScopeError(f"{name!r} is ambiguous: phases {phases} define it; write {forms}")
        raise ScopeError(f"no input or variable named {name!r} is in scope{self._hint(name)}")

    def _hint(self, name: str) -> str:
        known = self.inputs | {variable.name for variable in self.variables}
        close = difflib.get_close_matches(name, sorted(known), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def has_activity(self, phase_key: str, activity_key: str) -> bool:
        return (phase_key, activity_key) in self.activity_paths

    @cached_property
    def _phase_upstream(self) -> dict[str, frozenset[tuple[str, str]]]:
        return {
            phase: frozenset(
                (before, activity)
                for before in upstream_of(self.phase_depends, phase)
                for activity in self.activity_depends.get(before, {})
            )
            for phase in self.phase_depends
        }

    def upstream(self, site: Site) -> frozenset[tuple[str, str]]:
        """The activities (phase key, activity key) that finish before anything at `site` runs."""
        if site.phase_key is None:
            return frozenset()
        phase_wide = self._phase_upstream.get(site.phase_key, frozenset())
        if site.activity_key is None:
            return phase_wide
        siblings = self.activity_depends.get(site.phase_key, {})
        before = upstream_of(siblings, site.activity_key)
        return phase_wide | {(site.phase_key, activity) for activity in before}
