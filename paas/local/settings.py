"""Settings of the local engine (``local:`` section of the settings tree, ``PAAS_LOCAL__*`` variables)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class LocalSettings(BaseModel):
    """Ports, health checks, restart back-off and metrics of the local engine."""

    engine_port: int = Field(default=7700, ge=0, le=65535)  # control API and /metrics; 0: any free port
    proxy_port_start: int = Field(default=8100, ge=1, le=65535)  # each app/env gets a stable proxy port
    proxy_port_end: int = Field(default=8999, ge=1, le=65535)
    health_interval_seconds: float = Field(default=1.0, gt=0)
    health_timeout_seconds: float = Field(default=1.0, gt=0)
    unhealthy_threshold: int = Field(default=3, ge=1)  # failed checks in a row before traffic stops
    ready_timeout_seconds: float = Field(default=20.0, gt=0)  # a new replica must pass a check within
    drain_timeout_seconds: float = Field(default=10.0, ge=0)
    stop_grace_seconds: float = Field(default=5.0, ge=0)  # SIGTERM, then SIGKILL after this
    restart_backoff_seconds: float = Field(default=0.5, gt=0)  # doubles per crash in a row
    restart_backoff_max_seconds: float = Field(default=30.0, gt=0)
    poll_interval_seconds: float = Field(default=0.5, gt=0)  # how often the store is read for changes
    sample_interval_seconds: float = Field(default=5.0, gt=0)  # metrics resolution
    metrics_retention_hours: float = Field(default=48.0, gt=0)  # ~15 rows/s for six apps
    change_timeout_seconds: float = Field(default=600.0, gt=0)  # how long a CLI waits for a change
    demo_rps: float = Field(default=4.0, ge=0)  # background traffic per demo app with `paas up --demo`

    @model_validator(mode="after")
    def _port_range(self) -> LocalSettings:
        if self.proxy_port_end < self.proxy_port_start:
            raise ValueError("local.proxy_port_end must not be below local.proxy_port_start")
        return self
