"""One execution per event for identical subscriptions (dashboards fan one event out wide).

Many subscribers of the same `releaseEvents`/`releasesChanged` operation get the very same
event; executing its selection set once per subscriber is most of the fan-out cost. An
event's fields depend on nothing but the event (not the user, not loaders), so subscribers
with the same operation text and variables can share one result.
"""

from __future__ import annotations

from collections import OrderedDict

from graphql import OperationType
from graphql.execution.types import ExecutionResult, ExperimentalIncrementalExecutionResults
from graphql.pyutils import AwaitableOrValue

from schema.leaf_fields import LeafFastPathExecution
from schema.releases.event_type import ReleaseEventType_

MAX_SHARED_RESULTS = 1024

ResultKey = tuple[str, int, str, str | None, str]


class SharedEventExecution(LeafFastPathExecution):
    _results: OrderedDict[ResultKey, ExecutionResult] = OrderedDict()

    def _key(self, event: ReleaseEventType_) -> ResultKey | None:
        location = self.operation.loc
        if location is None:
            return None  # no text to tell operations apart: do not share
        # repr, not JSON: cheaper, and the same operation text coerces its variables in the
        # same order, so equal variables give equal text (a difference only costs a miss).
        variables = repr(self.variable_values.coerced)
        name = self.operation.name.value if self.operation.name else None
        return (str(event.release_id), event.seq, location.source.body, name, variables)

    def execute_operation(
        self, serially: bool | None = None
    ) -> AwaitableOrValue[ExecutionResult | ExperimentalIncrementalExecutionResults]:
        root = self.root_value
        if self.operation.operation != OperationType.SUBSCRIPTION or not isinstance(
            root, ReleaseEventType_
        ):
            return super().execute_operation(serially)
        key = self._key(root)
        if key is None:
            return super().execute_operation(serially)
        found = self._results.get(key)
        if found is not None:
            return found
        result = super().execute_operation(serially)
        if isinstance(result, ExecutionResult) and not result.errors:
            self._results[key] = result
            if len(self._results) > MAX_SHARED_RESULTS:
                self._results.popitem(last=False)
        return result
