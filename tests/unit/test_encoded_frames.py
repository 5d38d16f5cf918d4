"""Websocket frames reuse a shared result's encoded payload and still carry their own id."""

from __future__ import annotations

import json

from app.http.websocket import GraphQLWebSocket
from app.settings import Settings
from schema import build_schema


def test_frames_of_one_shared_result_differ_only_in_their_id() -> None:
    view = GraphQLWebSocket(build_schema(Settings()))
    data = {"releaseEvents": {"seq": 7, "note": 'quote " and ünïcode'}}
    first = view.encode_json({"id": "1", "type": "next", "payload": {"data": data}})
    second = view.encode_json({"id": 'a"b', "type": "next", "payload": {"data": data}})
    assert json.loads(first) == {"id": "1", "type": "next", "payload": {"data": data}}
    assert json.loads(second) == {"id": 'a"b', "type": "next", "payload": {"data": data}}


def test_frames_with_errors_or_other_shapes_are_encoded_whole() -> None:
    view = GraphQLWebSocket(build_schema(Settings()))
    with_errors = {"id": "1", "type": "next", "payload": {"data": None, "errors": [{"m": 1}]}}
    assert json.loads(view.encode_json(with_errors)) == with_errors
    ack = {"type": "connection_ack", "payload": {"user": "admin"}}
    assert json.loads(view.encode_json(ack)) == ack
