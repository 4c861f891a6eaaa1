"""The composition root: settings in, a wired platform, guard and principal out. Built once per process."""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from paas.access import AccessControl, Principal
from paas.catalog import import_catalog, load_catalog
from paas.generated import GeneratedMetrics
from paas.memory import InMemoryBackend
from paas.platform import Platform
from paas.settings import Settings
from paas.store import EventStore, open_store
from tools import Guard, PolicyEngine, registry
from tools.guard import Clock, utcnow

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agent.runtime import Agent

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    platform: Platform
    access: AccessControl
    guard: Guard
    user: str
    checkpointer: BaseCheckpointSaver | None = None

    @property
    def store(self) -> EventStore:
        return self.platform.store

    def principal(self, via: str = "cli", user: str | None = None) -> Principal:
        return self.access.principal(user or self.user, via)

    def close(self) -> None:
        if self.checkpointer is not None:
            from agent.conversations import close_checkpointer

            close_checkpointer(self.checkpointer)
            self.checkpointer = None
        self.platform.store.close()


def current_user(settings: Settings) -> str:
    return settings.user or getpass.getuser()


def build_platform(settings: Settings) -> Platform:
    if settings.database_url is None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.store_url)
    if settings.backend == "memory":
        memory = InMemoryBackend(store)
        return Platform(store=store, backend=memory, metrics=GeneratedMetrics(state=memory.state))
    from paas.local.backend import LocalBackend
    from paas.local.metrics_store import LocalMetrics
    from paas.local.paths import EnginePaths

    local = LocalBackend(store, settings.state_dir, settings.local)
    metrics = LocalMetrics(EnginePaths(settings.state_dir).metrics_db, state=local.state)
    return Platform(store=store, backend=local, metrics=metrics)


def build_runtime(settings: Settings, clock: Clock = utcnow) -> Runtime:
    """Wire store, backend, metrics, access control, policy and the guard from settings."""
    platform = build_platform(settings)
    access = AccessControl(settings.access, os_user=getpass.getuser())
    guard = Guard(registry, platform, access, PolicyEngine(settings.policy), clock=clock)
    runtime = Runtime(settings=settings, platform=platform, access=access, guard=guard,
                      user=current_user(settings))
    if settings.catalog is not None:
        added = import_catalog(platform.store, platform.backend.state(), load_catalog(settings.catalog), "config")
        log.info("imported %d catalog entries from %s", added, settings.catalog)
    return runtime


def model_name(settings: Settings, requested: str | None = None) -> str:
    """The model to use: asked for, configured, a configured provider's default, else offline."""
    if requested or settings.model:
        return str(requested or settings.model)
    providers = settings.providers
    if providers.openai_api_key is not None:
        return f"openai:{providers.default_openai_model}"
    if providers.anthropic_api_key is not None:
        return f"anthropic:{providers.default_anthropic_model}"
    return "offline"


def build_agent(runtime: Runtime, requested_model: str | None = None) -> Agent:
    """The agent over this runtime's guard, with its conversations persisted beside the event store."""
    from agent.conversations import open_checkpointer
    from agent.models import make_chat_model
    from agent.offline import OfflinePlanner
    from agent.runtime import Agent, AgentOptions

    settings = runtime.settings
    name = model_name(settings, requested_model)
    backend = runtime.platform.backend
    model = make_chat_model(name, settings.providers, offline_factory=lambda: OfflinePlanner(catalog=backend.state))
    if runtime.checkpointer is None:
        runtime.checkpointer = open_checkpointer(settings.database_url, settings.state_dir)
    options = AgentOptions(limits=settings.agent, prices=settings.providers.prices)
    return Agent(runtime.guard, model, name, runtime.checkpointer, options)
