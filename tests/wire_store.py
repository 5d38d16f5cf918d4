"""Run a command with MONGODB_URL set to a private nx-27017: the suite on the driver path.

    python -m tests.wire_store .venv/bin/pytest --ignore=tests/smoke

Without a MongoDB at hand (this machine, a contributor's laptop), nx-27017 from PyPI speaks
MongoDB's wire protocol, so every test runs through pymongo's AsyncMongoClient, the
indexes and the queries that production uses. With MONGODB_URL already set, the command
runs against that server instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.processes import start_nx


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    if os.environ.get("MONGODB_URL"):
        return subprocess.call(command)
    with tempfile.TemporaryDirectory(prefix="cadenza-wire-") as workdir:
        child, url = start_nx(Path(workdir))
        try:
            print(f"MONGODB_URL={url} (nx-27017)", flush=True)
            return subprocess.call(command, env={**os.environ, "MONGODB_URL": url})
        finally:
            child.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
