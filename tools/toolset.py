"""The shared registry every tool module registers into."""

from tools.registry import Registry

registry = Registry()
