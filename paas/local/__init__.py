"""The local engine: apps as real processes on this machine, behind a proxy that measures every request.

``LocalEngine`` runs them (``paas up``), ``LocalBackend`` is the Backend port over it, ``LocalMetrics`` the
MetricsSource over what it measured, ``LocalSettings`` its settings section. Imports are lazy so the sample
app (``python -m paas.local.sample_app``) starts without loading the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "LocalBackend": "paas.local.backend",
    "LocalEngine": "paas.local.engine",
    "LocalMetrics": "paas.local.metrics_store",
    "LocalSettings": "paas.local.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'paas.local' has no attribute {name!r}")
