"""The Prometheus text exposition (format 0.0.4) of what the engine measures, served at ``/metrics``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from paas.local.service import Service
from paas.local.stats import BUCKETS, STATUS_CLASSES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class ServiceView:
    service: Service
    desired_replicas: int


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in labels.items()) + "}"


def _family(name: str, kind: str, text: str) -> list[str]:
    return [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]


def render(views: Iterable[ServiceView]) -> str:
    views = list(views)
    lines: list[str] = []
    lines += _family("paas_requests_total", "counter", "Requests through the app's proxy by status class.")
    for view in views:
        snap = view.service.stats.snapshot()
        for cls in STATUS_CLASSES:
            lines.append(f"paas_requests_total{_labels(**_app(view), code=cls)} {snap.by_class.get(cls, 0)}")
    lines += _family("paas_request_duration_seconds", "histogram", "Request latency through the proxy.")
    for view in views:
        snap = view.service.stats.snapshot()
        base = _app(view)
        for bound, count in zip(BUCKETS, snap.buckets, strict=True):
            lines.append(f"paas_request_duration_seconds_bucket{_labels(**base, le=f'{bound:g}')} {count}")
        lines.append(f"paas_request_duration_seconds_bucket{_labels(**base, le='+Inf')} {snap.count}")
        lines.append(f"paas_request_duration_seconds_sum{_labels(**base)} {snap.total_seconds:.6f}")
        lines.append(f"paas_request_duration_seconds_count{_labels(**base)} {snap.count}")
    lines += _replica_families(views)
    return "\n".join(lines) + "\n"


def _app(view: ServiceView) -> dict[str, str]:
    return {"app": view.service.app, "environment": view.service.environment}


def _replica_families(views: list[ServiceView]) -> list[str]:
    lines = _family("paas_replicas_desired", "gauge", "Replicas the store asks for.")
    lines += [f"paas_replicas_desired{_labels(**_app(v))} {v.desired_replicas}" for v in views]
    lines += _family("paas_replicas_ready", "gauge", "Replicas passing health checks and serving.")
    lines += [f"paas_replicas_ready{_labels(**_app(v))} {v.service.ready()}" for v in views]
    lines += _family("paas_replica_restarts_total", "counter", "Replicas restarted after a crash or failed checks.")
    lines += [f"paas_replica_restarts_total{_labels(**_app(v))} {v.service.restarts}" for v in views]
    lines += _family("paas_replica_cpu_percent", "gauge", "CPU use of one replica (100 = one core).")
    memory = _family("paas_replica_memory_bytes", "gauge", "Resident memory of one replica.")
    for view in views:
        for replica in view.service.live():
            cpu, mb = view.service.usage.get(replica.id, (0.0, 0.0))
            labels = _labels(**_app(view), replica=replica.id, version=replica.version)
            lines.append(f"paas_replica_cpu_percent{labels} {cpu:.3f}")
            memory.append(f"paas_replica_memory_bytes{labels} {int(mb * 1024 * 1024)}")
    return lines + memory
