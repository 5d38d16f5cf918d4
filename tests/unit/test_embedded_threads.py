"""Two threads on one embedded client (a test server and a worker) never see half a write."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from typing import Any

import mongomock
import pytest

from app.store.embedded import EmbeddedDatabase

WRITES = 3000
FIELDS = {f"field_{i}": i for i in range(40)}


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    # Switch threads as often as possible, so a read lands inside a write if it can.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("eager_thread_switches")
def test_a_reader_in_another_thread_never_sees_a_document_half_replaced() -> None:
    client: Any = mongomock.MongoClient()
    writer = EmbeddedDatabase("db", client).collection("releases")
    reader = EmbeddedDatabase("db", client).collection("releases")
    asyncio.run(writer.insert_one({"_id": "r", "revision": 0, **FIELDS}))
    torn: list[dict[str, object]] = []
    done = threading.Event()

    def read() -> None:
        async def loop() -> None:
            while not done.is_set():
                doc = await reader.find_one({"_id": "r"})
                if doc is None or set(FIELDS) - set(doc):
                    torn.append(doc or {})

        asyncio.run(loop())

    thread = threading.Thread(target=read)
    thread.start()

    async def write() -> None:
        for revision in range(1, WRITES):
            await writer.replace_one({"_id": "r"}, {"_id": "r", "revision": revision, **FIELDS})

    try:
        asyncio.run(write())
    finally:
        done.set()
        thread.join()
    assert torn == []
