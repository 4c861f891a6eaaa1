"""Events and their hash chain.

Each stored event carries the hash of the event before it (by global position) and its own hash over its
content, so a modified, inserted or deleted event breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

GENESIS_HASH = "0" * 64


class NewEvent(BaseModel):
    """An event about to be appended to a stream."""

    model_config = ConfigDict(frozen=True)

    type: str
    data: dict[str, Any] = Field(default_factory=dict)
    actor: str = "system"


class Event(NewEvent):
    """An event as stored: position in the global log, version in its stream, and its chain hashes."""

    position: int
    stream: str
    version: int
    recorded_at: datetime
    prev_hash: str
    hash: str


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Hash of an event's content chained to the previous event's hash."""
    payload = {
        "prev": prev_hash,
        "position": fields["position"],
        "stream": fields["stream"],
        "version": fields["version"],
        "type": fields["type"],
        "actor": fields["actor"],
        "recorded_at": fields["recorded_at"].isoformat(),
        "data": fields["data"],
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()
