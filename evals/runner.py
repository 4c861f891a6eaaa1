"""Run cases (in parallel where the model allows), k repeats each; one failing case never stops the run."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from evals.cases import Case
from evals.harness import ModelFactory, play
from evals.scoring import CaseResult, score
from integrations.runtime import Runtime
from paas.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[CaseResult], None]


@dataclass(frozen=True)
class RunSpec:
    model_name: str
    model_factory: ModelFactory
    repeat: int = 1
    workers: int = 4


def default_model_factory(settings: Settings, name: str) -> ModelFactory:
    """Build the named model for each case; the offline planner reads that case's platform."""
    from agent.models import make_chat_model
    from agent.offline import OfflinePlanner

    def factory(runtime: Runtime) -> object:
        backend = runtime.platform.backend
        return make_chat_model(name, settings.providers, offline_factory=lambda: OfflinePlanner(catalog=backend.state))

    return factory  # type: ignore[return-value]


def run_case(case: Case, settings: Settings, spec: RunSpec) -> CaseResult:
    try:
        return score(case, play(case, settings, spec.model_factory, spec.model_name))
    except Exception as err:  # noqa: BLE001 - reported as a failed case, the run goes on
        log.warning("case %s crashed: %s", case.id, err)
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        return CaseResult(case.id, case.tags, failures=[f"crashed: {detail}"], error=detail)


def run_cases(
    cases: list[Case], settings: Settings, spec: RunSpec, progress: Progress | None = None
) -> list[list[CaseResult]]:
    """Results per repeat, each in case order."""
    jobs = [(r, i, case) for r in range(spec.repeat) for i, case in enumerate(cases)]
    results: list[list[CaseResult | None]] = [[None] * len(cases) for _ in range(spec.repeat)]
    with ThreadPoolExecutor(max_workers=max(1, spec.workers)) as pool:
        futures = {pool.submit(run_case, case, settings, spec): (r, i) for r, i, case in jobs}
        for future in as_completed(futures):
            r, i = futures[future]
            results[r][i] = future.result()
            if progress is not None:
                progress(future.result())
    return [[res for res in repeat if res is not None] for repeat in results]
