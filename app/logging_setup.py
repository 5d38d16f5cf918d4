"""Log format and levels for the server, the worker and the command line."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The driver logs connection chatter at INFO; keep the server's own lines readable.
    logging.getLogger("pymongo").setLevel(logging.WARNING)
