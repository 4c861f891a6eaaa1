"""Measure the offline planner on the held-out phrasings: ``python -m agent.offline.evaluate [-v]``.

Prints intent accuracy with a confusion summary, and end-to-end accuracy (right tool and arguments, a
question when one is expected, the right kind of text reply).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import HumanMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.offline.context import read_turns
from agent.offline.intents import default_model
from agent.offline.interpret import Frame
from agent.offline.model import OfflinePlanner
from agent.offline.planner import Planner
from agent.offline.testing import STUB_TOOLS, demo_state
from agent.offline.toolbox import Toolbox

HELDOUT = Path(__file__).with_name("heldout.yaml")
REPLY_KINDS = {"bypass": "bypass_approval", "unsure": "out_of_scope", "affirm": "thanks"}


@dataclass(frozen=True)
class Outcome:
    case: dict[str, Any]
    expected_intent: str
    intent: str
    passed: bool
    got: str


def load_cases(path: Path = HELDOUT) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text())["cases"])


def expected_intent(case: dict[str, Any]) -> str:
    return str(case.get("call") or case.get("intent") or case.get("reply"))


def run_case(case: dict[str, Any], model: OfflinePlanner) -> Outcome:
    message = model.bind_tools(STUB_TOOLS).invoke([HumanMessage(case["say"])])
    intent = interpreted_intent(case["say"])
    got = _describe(message)
    return Outcome(case, expected_intent(case), intent, _passed(case, message, intent), got)


def interpreted_intent(text: str) -> str:
    tools = Toolbox.from_openai([convert_to_openai_tool(t) for t in STUB_TOOLS])
    planner = Planner(demo_state(), tools, default_model())
    meaning = planner.interpreter.interpret(read_turns([HumanMessage(text)])[0].text, Frame())
    if meaning.steps:
        return meaning.steps[0].intent
    return REPLY_KINDS.get(meaning.kind, meaning.kind)


def _passed(case: dict[str, Any], message: Any, intent: str) -> bool:
    calls = message.tool_calls
    if "call" in case:
        wanted = case.get("args") or {}
        return bool(calls) and calls[0]["name"] == case["call"] and all(
            calls[0]["args"].get(k) == v for k, v in wanted.items())
    if case.get("ask"):
        return not calls and str(message.content).rstrip().endswith("?")
    return not calls and intent == case["reply"]


def _describe(message: Any) -> str:
    if message.tool_calls:
        return "; ".join(f"{c['name']}({c['args']})" for c in message.tool_calls)
    return str(message.content)[:110]


def report(outcomes: list[Outcome], verbose: bool = False) -> str:
    n = len(outcomes)
    intent_ok = sum(o.intent == o.expected_intent for o in outcomes)
    passed = sum(o.passed for o in outcomes)
    lines = [f"cases: {n}", f"intent accuracy: {intent_ok}/{n} = {intent_ok / n:.1%}",
             f"end-to-end (tool + args / question / reply): {passed}/{n} = {passed / n:.1%}", "", "per intent:"]
    by_intent = Counter(o.expected_intent for o in outcomes)
    for name in sorted(by_intent):
        mine = [o for o in outcomes if o.expected_intent == name]
        lines.append(f"  {name:18} intent {sum(o.intent == name for o in mine):3}/{len(mine):<3} "
                     f"end-to-end {sum(o.passed for o in mine):3}/{len(mine)}")
    confusions = Counter((o.expected_intent, o.intent) for o in outcomes if o.intent != o.expected_intent)
    lines += ["", "confusions (expected -> got):"] + [f"  {a} -> {b}: {c}" for (a, b), c in confusions.most_common()]
    failures = [o for o in outcomes if not o.passed]
    if verbose:
        lines += ["", "failures:"] + [f"  {o.case['say']!r}\n      got: {o.got}" for o in failures]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    model = OfflinePlanner(catalog=demo_state)
    outcomes = [run_case(case, model) for case in load_cases()]
    print(report(outcomes, verbose="-v" in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
