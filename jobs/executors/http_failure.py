"""The one way an HTTP activity fails: raised anywhere inside, turned into an outcome at the end.

Every step (reading the config, sending, reading answers, polling) raises HttpFailure; the
entry point catches it, scrubs secrets from the message and reports the last status seen.
"""

from __future__ import annotations


class HttpFailure(Exception):
    """Why an HTTP activity failed, for people, and the HTTP status that said so, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
