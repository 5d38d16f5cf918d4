"""Dependency graphs: cycles to report and everything upstream of a node."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def find_cycles(edges: Mapping[Node, Iterable[Node]]) -> list[list[Node]]:
    """Each cycle once, as its nodes in order with the first repeated last (`a, b, a`).

    A cycle starts at its node that comes first in `edges`, so messages are stable.
    Edges to nodes missing from `edges` are ignored: unknown names are reported elsewhere.
    """
    order = {node: index for index, node in enumerate(edges)}
    state: dict[Node, str] = {}  # "open" while on the current path, "done" afterwards
    cycles: list[list[Node]] = []
    seen: set[frozenset[Node]] = set()
    for root in edges:
        if root in state:
            continue
        # Iterative depth-first search: long chains of variables must not hit recursion limits.
        path: list[Node] = [root]
        pending = [iter(edges[root])]
        state[root] = "open"
        while pending:
            successor = next(pending[-1], None)
            if successor is None:
                state[path.pop()] = "done"
                pending.pop()
                continue
            if successor not in order:
                continue
            if state.get(successor) == "open":
                cycle = path[path.index(successor) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                    rotated = cycle[start:] + cycle[:start]
                    cycles.append([*rotated, rotated[0]])
            elif successor not in state:
                state[successor] = "open"
                path.append(successor)
                pending.append(iter(edges[successor]))
    return cycles


def upstream_of(edges: Mapping[Node, Iterable[Node]], start: Node) -> set[Node]:
    """Every node `start` depends on, directly or transitively (itself only through a cycle)."""
    found: set[Node] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(edges.get(node, ()))
    return found


def dependencies_first(edges: Mapping[Node, Iterable[Node]]) -> list[Node]:
    """Every node of `edges` after the nodes it depends on (members of a cycle in any order)."""
    order: list[Node] = []
    seen: set[Node] = set()
    for root in edges:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(edges[root]))]
        while stack:
            node, successors = stack[-1]
            following = next((s for s in successors if s in edges and s not in seen), None)
            if following is None:
                stack.pop()
                order.append(node)
                continue
            seen.add(following)
            stack.append((following, iter(edges[following])))
    return order
