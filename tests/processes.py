"""Child processes of the tests: a subprocess with its output in a file, and nx-27017.

nx-27017 (from PyPI) speaks MongoDB's wire protocol on SQLite: where no MongoDB exists it
lets the smoke tests, `make test-wire` and the calendar benchmark use the real driver.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn

import pymongo
import pytest
from pymongo.errors import PyMongoError

from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill after a timeout; never leaves the process behind."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@dataclass
class Child:
    """A subprocess whose stdout and stderr go to files (no pipe can fill up and block)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes] = field(repr=False)

    @classmethod
    def start(cls, name: str, argv: list[str], env: dict[str, str], workdir: Path) -> Child:
        log = workdir / f"{name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=handle
        )
        return cls(name, process, log, handle)

    def output(self) -> str:
        """Everything it wrote to stdout and stderr so far."""
        return _read(self.log)

    def fail(self, problem: str) -> NoReturn:
        code = self.process.poll()
        state = "still running" if code is None else f"exited with {code}"
        tail = self.output()[-4000:] or "<nothing>"
        pytest.fail(f"{self.name} {problem} ({state}); the end of its output:\n{tail}")

    def stop(self) -> None:
        try:
            _stop(self.process)
        finally:
            self.handle.close()


def start_nx(workdir: Path) -> tuple[Child, str]:
    """nx-27017 on a free loopback port with its own data dir; returns it and its URL."""
    port = free_port()
    child = Child.start(
        "nx-27017",
        [
            # The package's console script `nx-27017` is `nx_27017.nx_27017:main`.
            sys.executable,
            "-c",
            "import sys; from nx_27017 import main; sys.exit(main())",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",  # one SQLite file per logical database
            str(workdir / "nx-data"),
            # Defaults are /tmp/nx_27017.{pid,log}: a second server would refuse to start.
            "--pid-file",
            str(workdir / "nx.pid"),
            "--log-file",
            str(workdir / "nx-internal.log"),
        ],
        dict(os.environ),
        workdir,
    )
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error = ""
    while True:
        if child.process.poll() is not None:
            child.stop()
            child.fail("exited before answering a ping")
        client: pymongo.MongoClient[dict[str, Any]]
        try:
            with pymongo.MongoClient(url, serverSelectionTimeoutMS=300) as client:
                client.admin.command("ping")
            return child, url
        except PyMongoError as error:
            last_error = repr(error)
        if time.monotonic() > deadline:
            child.stop()
            child.fail(f"did not answer a ping within {START_TIMEOUT_S:.0f} s: {last_error}")
        time.sleep(0.05)
