"""Run the real `paas` CLI in subprocesses (and under a pseudo-terminal) against a temporary state dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.conftest import TEAM_CONFIG

PAAS = [sys.executable, "-m", "integrations.cli"]


@dataclass
class Cli:
    cwd: Path
    env: dict[str, str]

    def __call__(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, **({"PAAS_USER": user} if user else {}))
        return subprocess.run([*PAAS, *args], cwd=self.cwd, env=env, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    def json(self, *args: str, user: str | None = None) -> Any:
        result = self(*args, "--json", user=user)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def spawn(self, *args: str, user: str | None = None) -> pexpect.spawn:
        env = dict(self.env, **({"PAAS_USER": user} if user else {}), COLUMNS="120")
        return pexpect.spawn(PAAS[0], [*PAAS[1:], *args], cwd=str(self.cwd), env=env, encoding="utf-8",
                             timeout=30, dimensions=(40, 120))

    def replicas(self, app: str, env: str) -> int:
        rows = self.json("status", app, "--env", env)["apps"]
        return int(rows[0]["replicas"])


def _env(tmp_path: Path, config: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAAS_")}
    env["PAAS_STATE_DIR"] = str(tmp_path / "state")
    env["PAAS_BACKEND"] = "memory"  # these tests are about the CLI and the guard; tests/local runs the engine
    env["PAAS_CONFIG"] = str(config or tmp_path / "none.toml")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """A one-person install with the demo platform registered."""
    runner = Cli(tmp_path, _env(tmp_path, None))
    assert runner("init", "--demo").returncode == 0
    return runner


@pytest.fixture
def team_cli(tmp_path: Path) -> Cli:
    """The example team config (alice operator, bob approver, carol viewer; two-person rule in prod)."""
    runner = Cli(tmp_path, _env(tmp_path, TEAM_CONFIG))
    assert runner("init", "--demo", user="root").returncode == 0
    return runner
