"""The one settings tree, built once at start-up by ``Settings.load()``.

Sources, highest first: keyword arguments, ``PAAS_*`` environment variables (nested with ``__``, e.g.
``PAAS_POLICY__APPROVAL_TTL_SECONDS``), the TOML config file (``PAAS_CONFIG`` or ``./paas.toml``), defaults.
"""

from __future__ import annotations

import os
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from paas.errors import ConfigError
from paas.local.settings import LocalSettings
from paas.provider_settings import ProviderSettings

Role = Literal["viewer", "operator", "approver", "admin"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class UserConfig(BaseModel):
    """A user's roles per environment; the key ``*`` stands for every environment."""

    roles: dict[str, Role] = Field(default_factory=dict)


class AccessSettings(BaseModel):
    """Who may do what. With no users configured, the OS user is admin everywhere (one-person install)."""

    users: dict[str, UserConfig] = Field(default_factory=dict)


class FreezeWindow(BaseModel):
    """No changes in this window: absolute (``start``/``end`` ISO times) or weekly (``days`` + times)."""

    reason: str = "change freeze"
    start: datetime | None = None
    end: datetime | None = None
    days: list[str] = Field(default_factory=list)
    from_time: time | None = None
    to_time: time | None = None

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        bad = [d for d in days if d.lower()[:3] not in DAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}: use mon..sun")
        return [d.lower()[:3] for d in days]


class EnvironmentPolicy(BaseModel):
    """Limits for one environment. Unset fields fall back to the ``default`` environment policy."""

    min_replicas: int | None = None
    max_replicas: int | None = None
    max_scale_step: int | None = None
    two_person: bool | None = None
    freeze: list[FreezeWindow] | None = None


class PolicySettings(BaseModel):
    approval_ttl_seconds: int = Field(default=3600, gt=0)
    allowed_environments: list[str] | None = None  # None: any environment the platform has
    default: EnvironmentPolicy = Field(
        default_factory=lambda: EnvironmentPolicy(
            min_replicas=0, max_replicas=20, max_scale_step=10, two_person=False, freeze=[]
        )
    )
    environments: dict[str, EnvironmentPolicy] = Field(default_factory=dict)


class AgentSettings(BaseModel):
    """Limits of one conversation turn, so a confused model cannot loop."""

    max_model_calls: int = Field(default=8, ge=1)
    max_tool_calls: int = Field(default=12, ge=1)


def _config_file() -> Path:
    return Path(os.environ.get("PAAS_CONFIG", "paas.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAAS_", env_nested_delimiter="__", extra="forbid")

    state_dir: Path = Path(".paas")
    database_url: str | None = None
    user: str | None = None
    backend: Literal["local", "memory"] = "local"  # local: the embedded engine; memory: records only
    catalog: Path | None = None  # imported on start-up when set (idempotent)
    model: str | None = None  # offline, openai:<model>, anthropic:<model>, ollama:<model>, compatible:<model>
    config: Path | None = None
    access: AccessSettings = Field(default_factory=AccessSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    local: LocalSettings = Field(default_factory=LocalSettings)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Build the settings; a bad value becomes a ConfigError naming the field and the file."""
        path = _config_file()
        try:
            settings = cls(**overrides)
        except PydanticValidationError as err:
            raise ConfigError(f"invalid settings (environment PAAS_* or {path}): {err}") from err
        except (OSError, ValueError) as err:
            raise ConfigError(f"cannot read config file {path}: {err}") from err
        return settings.model_copy(update={"config": path if path.exists() else None})

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_dir / 'paas.db'}"
