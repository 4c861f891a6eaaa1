"""Where the local engine keeps its files inside the state dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EnginePaths:
    """The engine's files: ``<state_dir>/engine.json`` and ``<state_dir>/local/...``."""

    state_dir: Path

    @property
    def root(self) -> Path:
        return self.state_dir / "local"

    @property
    def engine_file(self) -> Path:
        """Pid, control URL and token of the running engine (mode 0600)."""
        return self.state_dir / "engine.json"

    @property
    def ports_file(self) -> Path:
        return self.root / "ports.json"

    @property
    def replicas_dir(self) -> Path:
        """One pid file per replica process, so a restarted engine finds what is still running."""
        return self.root / "replicas"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def metrics_db(self) -> Path:
        return self.root / "metrics.db"

    def ensure(self) -> EnginePaths:
        for folder in (self.root, self.replicas_dir, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self
