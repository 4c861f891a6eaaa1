"""Conditional changes: "roll it back if the error rate is above 2%", "scale to 6 if cpu is over 80%".

A condition is read from the clause of a change. Before the change is proposed, the plan reads the metric the
condition is about (adding a ``query_metrics`` step when the request did not ask for one); the change only goes
out for approval when the reading meets the condition. A condition that cannot be checked is asked about.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from agent.offline.slots import Condition
from agent.offline.steps import Step
from agent.offline.toolbox import Toolbox
from paas.metrics import METRICS

READ_METRICS = "query_metrics"


def with_readings(steps: list[Step], tools: Toolbox) -> list[Step]:
    """Each conditional change is preceded by a read of its metric (the one named, else the one read before)."""
    out: list[Step] = []
    for step in steps:
        tool = tools.get(step.intent)
        if step.condition is None or tool is None or not tool.mutates:
            out.append(step)
            continue
        before = next((s for s in reversed(out) if s.intent == READ_METRICS and s.metric), None)
        metric = step.condition.metric or (before.metric if before else None)
        step = replace(step, condition=replace(step.condition, metric=metric))
        read = before is not None and before.metric == metric and (before.app, before.env) == (step.app, step.env)
        if metric and not read and READ_METRICS in tools:
            out.append(Step(READ_METRICS, app=step.app, env=step.env, metric=metric, soft_env=step.soft_env))
        out.append(step)
    return out


def verdict(step: Step, readings: list[dict[str, Any]]) -> tuple[bool | None, str]:
    """Does the condition of ``step`` hold for the latest matching reading? And a sentence saying why."""
    condition = step.condition
    assert condition is not None
    reading = _reading(condition, step, readings)
    if reading is None:
        return None, f"I have no {condition.metric or 'metric'} reading to check '{condition.text}' against."
    value, where = reading
    holds = condition.holds(value)
    unit = METRICS.get(str(condition.metric), ("", ""))[0]
    shown = _with_unit(value, unit)
    if holds is None:
        return None, f"I can't tell whether '{condition.text}' holds ({condition.metric} for {where} is {shown})."
    word = "above" if condition.op == "gt" else "below"
    verb = "is" if holds else "is not"
    threshold = _with_unit(condition.value or 0.0, unit)
    return holds, f"{condition.metric} for {where} {verb} {word} {threshold} (it is {shown})"


def _with_unit(value: float, unit: str) -> str:
    return f"{value:g}{unit if unit == '%' else ' ' + unit}".strip()


def _reading(condition: Condition, step: Step, readings: list[dict[str, Any]]) -> tuple[float, str] | None:
    for data in reversed(readings):
        if condition.metric and data.get("metric") != condition.metric:
            continue
        if step.app and data.get("app") not in (None, step.app):
            continue
        stats: dict[str, Any] = next((data[k] for k in ("stats", "summary") if isinstance(data.get(k), dict)), {})
        last = stats.get("last")
        if isinstance(last, int | float):
            return float(last), f"{data.get('app')}/{data.get('environment')}"
    return None
