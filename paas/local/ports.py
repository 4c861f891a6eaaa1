"""Stable proxy ports: each app/environment keeps its port across engine restarts (``ports.json``)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from paas.errors import BackendError
from paas.local.supervisor import port_is_free

log = logging.getLogger(__name__)


class PortBook:
    """Hands out ports from a range and remembers them in a file."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        self.path = path
        self.start, self.end = start, end
        self._lock = threading.Lock()
        try:
            self._ports: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
        except (OSError, ValueError):
            log.warning("ignoring unreadable %s: proxy ports will be assigned again", path)
            self._ports = {}

    def port_for(self, key: str) -> int:
        """The remembered port of ``key`` if it is still free, otherwise the first free one in the range."""
        with self._lock:
            known = self._ports.get(key)
            if known is not None and port_is_free(known):
                return known
            if known is not None:
                log.warning("port %s of %s is taken by another program: choosing another", known, key)
            taken = set(self._ports.values())
            for port in range(self.start, self.end + 1):
                if port not in taken and port_is_free(port):
                    self._ports[key] = port
                    self.path.write_text(json.dumps(self._ports, indent=1, sort_keys=True))
                    return port
        raise BackendError(
            f"no free proxy port in {self.start}-{self.end}: widen local.proxy_port_start/proxy_port_end"
        )
