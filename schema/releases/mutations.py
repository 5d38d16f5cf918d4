"""`ReleaseMutations`: the release edit and lifecycle mutations, in the schema's field order."""

from __future__ import annotations

import strawberry

from schema.releases.edits import ReleaseEditMutations
from schema.releases.lifecycle import ReleaseLifecycleMutations


@strawberry.type
class ReleaseMutations(ReleaseEditMutations, ReleaseLifecycleMutations):
    pass
