"""Agents over the demo platform with the example team config, on temporary stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.conversations import close_checkpointer, open_checkpointer
from agent.runtime import Agent
from agent.testing import ScriptedChatModel
from integrations.runtime import Runtime

MakeAgent = Callable[..., Agent]


@pytest.fixture
def make_agent(team: Runtime, tmp_path: Path) -> Iterator[MakeAgent]:
    """Build agents over one runtime; each call opens the conversation store anew, like a restarted process."""
    savers: list[Any] = []

    def make(replies: list[Any], runtime: Runtime | None = None) -> Agent:
        saver = open_checkpointer(None, tmp_path / "conversations")
        savers.append(saver)
        return Agent((runtime or team).guard, ScriptedChatModel(replies=replies), "scripted", saver)

    yield make
    for saver in savers:
        close_checkpointer(saver)
