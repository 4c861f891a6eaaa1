"""Offline planner gaps the eval suite found: decisions arriving from the runtime, the approval workflow as the
requester sees it, fillers and lead-ins, and phrasings that used to be misread."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

from agent.offline.mentions import Vocabulary, find_mentions
from agent.offline.summaries import render_apps
from agent.offline.testing import STUB_TOOLS
from tests.agent.test_offline_conversations import Chat, canned


@tool
def get_approval(request_id: str) -> str:
    """Show one approval request: the planned change and whether it was decided.

    Args:
        request_id: the approval id, such as apr_0123456789ab.
    """
    return json.dumps({"status": "ok", "tool": "get_approval", "summary": f"{request_id} is pending"})


def looked_up(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "get_approval":
        return {"status": "ok", "tool": name, "summary": f"{args['request_id']} (checkout/prod: 3 -> 5) is pending"}
    return canned(name, args)


def with_approvals() -> Chat:
    return Chat(tools=(*STUB_TOOLS, get_approval), results=looked_up)


def decided_by_runtime(chat: Chat, request_id: str, status: str, summary: str) -> str:
    """What agent.runtime does after a decision: a get_approval call for the request and its outcome."""
    call_id = f"outcome_{request_id}"
    call = {"name": "get_approval", "args": {"request_id": request_id}, "id": call_id, "type": "tool_call"}
    chat.messages.append(AIMessage(content="", tool_calls=[call]))
    result = {"status": status, "tool": chat.calls[-1]["name"], "summary": summary}
    chat.messages.append(ToolMessage(json.dumps(result), tool_call_id=call_id, name="get_approval"))
    return chat.run()


def names(chat: Chat) -> list[str]:
    return [c["name"] for c in chat.calls]


# decisions reported by the runtime ---------------------------------------------------------------------------


def test_plan_continues_after_the_runtime_reports_execution() -> None:
    chat = Chat()
    chat.say("deploy v2.1.0 to payments staging and then show me its error rate")
    final = decided_by_runtime(chat, "apr_42", "executed", "payments/staging now runs v2.1.0")
    assert names(chat) == ["deploy_release", "query_metrics"]
    assert chat.last_call()[1] == {"app": "payments", "environment": "staging", "metric": "error_rate",
                                   "window": "1h"}
    assert final.startswith("Done: payments/staging now runs v2.1.0.") and "waiting for approval" not in final


def test_rejection_reported_by_the_runtime_stops_the_plan() -> None:
    chat = Chat()
    chat.say("scale web in prod to 4 and checkout to 3")
    reply = decided_by_runtime(chat, "apr_42", "rejected", "bob rejected it; do not retry")
    assert names(chat) == ["scale_app"]
    assert "rejected" in reply and "won't retry" in reply and "waiting for approval" not in reply


def test_a_plain_look_up_of_a_request_is_an_ordinary_call() -> None:
    chat = with_approvals()
    chat.say("scale checkout in prod to 5")
    reply = chat.say("is it approved yet?")
    assert chat.last_call() == ("get_approval", {"request_id": "apr_42"})
    assert reply == "apr_42 (checkout/prod: 3 -> 5) is pending."


# the approval workflow --------------------------------------------------------------------------------------


def test_request_id_is_read_from_the_message() -> None:
    chat = with_approvals()
    chat.say("what's the status of apr_0123456789ab?")
    assert chat.last_call() == ("get_approval", {"request_id": "apr_0123456789ab"})


def test_approval_status_without_any_request_asks() -> None:
    chat = with_approvals()
    reply = chat.say("has my request been approved?")
    assert chat.calls == [] and reply.endswith("?") and "apr_" in reply


def test_who_approves_is_a_question_not_a_bypass() -> None:
    chat = with_approvals()
    chat.say("scale checkout in prod to 5")
    reply = chat.say("who can approve it?")
    assert chat.last_call()[0] == "get_approval" and "can't approve" not in reply


@pytest.mark.parametrize("text", ["actually, cancel that", "never mind", "no", "no, don't", "not now", "wait"])
def test_backing_out_of_a_pending_change_repeats_nothing(text: str) -> None:
    chat = Chat()
    chat.say("scale checkout in prod to 5")
    reply = chat.say(text)
    assert names(chat) == ["scale_app"]
    assert "reject" in reply and "expires" in reply


def test_cancel_then_a_new_value_is_a_new_request() -> None:
    chat = Chat()
    chat.say("scale checkout in prod to 5")
    chat.say("cancel that, scale it to 4 instead")
    assert chat.last_call() == ("scale_app", {"app": "checkout", "environment": "prod", "replicas": 4})


def test_never_mind_a_question() -> None:
    chat = Chat()
    assert chat.say("scale checkout").endswith("?")
    assert chat.say("never mind") == "OK, I won't do anything."
    assert chat.calls == []


def test_yes_go_ahead_approves_nothing() -> None:
    chat = Chat()
    chat.say("deploy checkout v1.5.0 to staging")
    reply = chat.say("yes, go ahead")
    assert names(chat) == ["deploy_release"] and "approval card" in reply


# fillers, lead-ins and context ---------------------------------------------------------------------------------


def test_greeting_before_a_request_does_not_swallow_it() -> None:
    chat = Chat()
    chat.say("hey, could you tell me what's going on with payments in prod at the moment? thanks")
    assert chat.last_call() == ("get_app_status", {"app": "payments", "environment": "prod"})


def test_leading_interjection_is_ignored() -> None:
    chat = Chat()
    chat.say("scale checkout in prod to 5")
    chat.say("oops, I meant payments")
    assert chat.last_call() == ("scale_app", {"app": "payments", "environment": "prod", "replicas": 5})


def test_there_means_the_environment_just_listed() -> None:
    chat = Chat()
    chat.say("what's running in staging?")
    chat.say("error rate of checkout there")
    assert chat.last_call()[1] == {"app": "checkout", "environment": "staging", "metric": "error_rate",
                                   "window": "1h"}


def test_promote_it_deploys_the_release_just_deployed() -> None:
    chat = Chat()
    chat.say("deploy checkout v1.5.0 to staging")
    chat.say("looks good, promote it to prod")
    assert chat.last_call() == ("deploy_release", {"app": "checkout", "environment": "prod", "version": "v1.5.0",
                                                   "strategy": "rolling"})
    assert len(chat.calls) == 2


def test_statement_before_a_change_is_not_a_step_of_its_own() -> None:
    chat = Chat()
    chat.say("errors went up on checkout prod. roll it back")
    assert names(chat) == ["rollback_app"]


def test_compare_with_another_environment() -> None:
    chat = Chat()
    chat.say("p99 of checkout in prod")
    chat.say("compare with staging")
    assert chat.last_call()[1] == {"app": "checkout", "environment": "staging", "metric": "latency_p99",
                                   "window": "1h"}


# phrasings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "call"), [
    ("what's checkout running in staging", ("get_app_status", {"app": "checkout", "environment": "staging"})),
    ("is payments erroring in prod?", ("query_metrics", {"app": "payments", "environment": "prod",
                                                         "metric": "error_rate", "window": "1h"})),
    ("trim payments in prod by one", ("scale_app", {"app": "payments", "environment": "prod", "replicas": 3})),
])
def test_phrasings(text: str, call: tuple[str, dict[str, Any]]) -> None:
    chat = Chat()
    chat.say(text)
    assert chat.last_call() == call


@pytest.mark.parametrize(("text", "name"), [
    ("has checkout v1.5.0 been deployed to staging?", "get_app_status"),
    ("is checkout scaled to 5 in prod?", "get_app_status"),
    ("was payments ever rolled back in prod?", "get_audit_log"),
    ("did anyone scale web today?", "get_audit_log"),
    ("when did we last deploy checkout to prod?", "get_audit_log"),
])
def test_questions_about_a_change_read_instead_of_changing(text: str, name: str) -> None:
    chat = Chat()
    chat.say(text)
    assert names(chat) == [name]


def test_could_you_is_still_a_request() -> None:
    chat = Chat()
    chat.say("could you deploy checkout v1.5.0 to staging?")
    assert names(chat) == ["deploy_release"]


def test_promotion_takes_the_version_the_source_environment_runs() -> None:
    chat = Chat()
    chat.say("promote checkout from staging to prod")
    assert chat.last_call() == ("deploy_release", {"app": "checkout", "environment": "prod", "version": "v1.4.2",
                                                   "strategy": "rolling"})


def test_from_an_environment_alone_is_just_where() -> None:
    chat = Chat()
    chat.say("error rate of checkout from prod")
    assert chat.last_call()[1]["environment"] == "prod"


def test_every_environment_fans_out_reads_and_follows_up() -> None:
    chat = Chat()
    chat.say("error rate of checkout in every environment")
    assert [c["args"]["environment"] for c in chat.calls] == ["staging", "prod"]
    chat.say("and payments?")
    assert [c["args"]["app"] for c in chat.calls[2:]] == ["payments", "payments"]


def test_and_everywhere_widens_a_read() -> None:
    chat = Chat()
    chat.say("error rate of checkout in prod")
    chat.say("and everywhere?")
    assert [c["args"]["environment"] for c in chat.calls] == ["prod", "staging", "prod"]


def test_every_environment_never_fans_out_changes() -> None:
    chat = Chat()
    reply = chat.say("scale checkout to 2 in all environments")
    assert chat.calls == [] and "staging or prod?" in reply


def test_metrics_crossed_with_apps() -> None:
    chat = Chat()
    chat.say("show error rate and cpu for checkout and payments in prod")
    got = {(c["args"]["app"], c["args"]["metric"]) for c in chat.calls}
    assert got == {("checkout", "error_rate"), ("checkout", "cpu"), ("payments", "error_rate"), ("payments", "cpu")}


def test_a_catalog_environment_named_like_an_alias_is_always_an_environment() -> None:
    vocab = Vocabulary(("gateway",), ("stage", "production"), ())
    envs = [m.value for m in find_mentions("gateway stage status", vocab) if m.kind == "env"]
    assert envs == ["stage"]


# conditional changes ------------------------------------------------------------------------------------------


def test_condition_met_reads_then_asks_for_the_change() -> None:
    chat = Chat()  # canned error rate: last 0.3
    chat.say("roll back checkout in prod if the error rate is above 0.2%")
    assert names(chat) == ["query_metrics", "rollback_app"]
    assert chat.calls[0]["args"]["metric"] == "error_rate"


def test_condition_not_met_changes_nothing_and_says_why() -> None:
    chat = Chat()
    reply = chat.say("check checkout prod error rate, then roll back if it's above 2%")
    assert names(chat) == ["query_metrics"]
    assert "not above 2% (it is 0.3%)" in reply and "did not" in reply


def test_condition_before_the_change() -> None:
    chat = Chat()
    reply = chat.say("if payments p99 in prod is above 1000 ms, add a replica")
    assert names(chat) == ["query_metrics"] and "not above 1000 ms" in reply


def test_numbers_in_a_condition_are_not_the_request() -> None:
    chat = Chat()
    chat.say("roll back checkout in prod if errors are above 0.1%")
    assert chat.last_call() == ("rollback_app", {"app": "checkout", "environment": "prod"})


def test_vague_condition_is_asked_about() -> None:
    chat = Chat()
    reply = chat.say("roll back checkout in prod if needed")
    assert chat.calls == [] and reply.endswith("anyway?")
    chat.say("yes")
    assert chat.last_call() == ("rollback_app", {"app": "checkout", "environment": "prod"})


def test_no_to_a_question_drops_the_request() -> None:
    chat = Chat()
    chat.say("roll back checkout in prod if needed")
    assert chat.say("no") == "OK, I won't do anything." and chat.calls == []


def test_scale_to_match_another_environment() -> None:
    chat = Chat()
    chat.say("scale payments in staging to match prod")
    assert chat.last_call() == ("scale_app", {"app": "payments", "environment": "staging", "replicas": 4})


def test_listing_counts_replicas_in_total() -> None:
    apps = [{"app": "a", "environment": "prod", "replicas": 4}, {"app": "b", "environment": "prod", "replicas": 3}]
    assert render_apps({"apps": apps}, {}).startswith("2 app deployment(s), 7 replicas in total: ")
