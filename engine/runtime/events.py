"""Events a render emits, one dict each: for progress bars and ``--json`` output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
EventSink = Callable[[Event], None]


def node_event(status: str, node, seconds: float | None = None) -> Event:
    event: Event = {
        "event": "node",
        "status": status,  # cached | started | finished
        "kind": node.kind,
        "key": node.key,
        "label": node.label,
    }
    if seconds is not None:
        event["seconds"] = round(seconds, 4)
    return event


def ignore(_event: Event) -> None:
    pass
