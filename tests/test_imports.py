import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "name", ["paas", "tools", "agent", "integrations", "knowledge", "predictors", "evals"]
)
def test_top_level_packages_resolve_to_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().parent == ROOT / name
