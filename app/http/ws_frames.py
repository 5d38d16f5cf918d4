"""Websocket frames of a result many subscribers share, encoded once."""

from __future__ import annotations

import json
from collections import OrderedDict

FRAME_KEYS = {"id", "type", "payload"}
DATA_ONLY = {"data"}
ENCODED_PAYLOADS = 64


class EncodedPayloads:
    """The JSON of the last few result payloads, by identity (held, so ids stay unique)."""

    def __init__(self, size: int = ENCODED_PAYLOADS) -> None:
        self._size = size
        self._encoded: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, data: object) -> str:
        found = self._encoded.get(id(data))
        if found is not None and found[0] is data:
            return found[1]
        encoded = json.dumps(data, separators=(",", ":"))
        self._encoded[id(data)] = (data, encoded)
        if len(self._encoded) > self._size:
            self._encoded.popitem(last=False)
        return encoded
