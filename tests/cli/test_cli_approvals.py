"""Mutating commands through the real CLI: approval prompt on a terminal, fail closed without one."""

from __future__ import annotations

import sqlite3

import pexpect

from tests.cli.conftest import Cli

EXIT_PENDING, EXIT_DENIED, EXIT_REJECTED = 3, 4, 5


def pending_ids(cli: Cli, user: str | None = None) -> list[str]:
    return [r["id"] for r in cli.json("approvals", user=user)]


def test_without_a_terminal_a_change_stays_pending(cli: Cli) -> None:
    result = cli("scale", "checkout", "5", "--env", "staging")
    assert result.returncode == EXIT_PENDING
    [request_id] = pending_ids(cli)
    assert f"paas approve {request_id}" in result.stdout
    assert "replicas 2 -> 5" in result.stdout
    assert cli.replicas("checkout", "staging") == 2


def test_approve_from_another_process_executes_once(cli: Cli) -> None:
    cli("deploy", "checkout", "v1.4.0", "--env", "staging")
    [request_id] = pending_ids(cli)
    approved = cli("approve", request_id)
    assert approved.returncode == 0, approved.stderr
    assert "now runs v1.4.0" in approved.stdout
    assert cli("approve", request_id).returncode == 0  # a double click is harmless
    assert cli.json("status", "checkout", "--env", "staging")["apps"][0]["version"] == "v1.4.0"
    executed = [e for e in cli.json("audit", "--limit", "100") if e["type"] == "AppDeployed"]
    assert len(executed) == 1


def test_reject_from_the_cli(cli: Cli) -> None:
    cli("rollback", "checkout", "--env", "staging")
    [request_id] = pending_ids(cli)
    assert cli("reject", request_id, "--reason", "not now").returncode == 0
    assert cli("approve", request_id).returncode == 1
    assert cli.json("status", "checkout", "--env", "staging")["apps"][0]["version"] == "v1.4.2"


def test_no_flag_bypasses_approval(cli: Cli) -> None:
    for flag in ("--yes", "-y", "--force", "--no-confirm"):
        assert cli("scale", "checkout", "5", "--env", "staging", flag).returncode == 2
    assert cli.replicas("checkout", "staging") == 2


def test_terminal_prompt_approve_executes(cli: Cli) -> None:
    child = cli.spawn("scale", "checkout", "4", "--env", "staging")
    child.expect("replicas 2 -> 4")
    child.expect(r"Approve\? \[y/N\]")
    child.sendline("y")
    child.expect("now has 4 replica")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert cli.replicas("checkout", "staging") == 4


def test_terminal_prompt_defaults_to_no(cli: Cli) -> None:
    child = cli.spawn("scale", "checkout", "4", "--env", "staging")
    child.expect(r"Approve\? \[y/N\]")
    child.sendline("")
    child.expect("rejected")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == EXIT_REJECTED
    assert cli.replicas("checkout", "staging") == 2
    assert pending_ids(cli) == []


def test_two_person_rule_in_prod_through_the_cli(team_cli: Cli) -> None:
    child = team_cli.spawn("scale", "checkout", "4", "--env", "prod", user="alice")
    child.expect("two-person rule")
    child.expect("another approver can approve it")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == EXIT_PENDING
    [request_id] = pending_ids(team_cli, user="alice")
    assert team_cli("approve", request_id, user="alice").returncode == EXIT_DENIED
    assert team_cli("approve", request_id, user="carol").returncode == EXIT_DENIED
    assert team_cli("approve", request_id, user="bob").returncode == 0
    assert team_cli.replicas("checkout", "prod") == 4


def test_viewer_is_denied_before_any_approval(team_cli: Cli) -> None:
    result = team_cli("scale", "checkout", "4", "--env", "staging", user="carol")
    assert result.returncode == EXIT_DENIED
    assert "carol" in result.stdout + result.stderr
    assert pending_ids(team_cli, user="carol") == []


def test_audit_verify_detects_tampering(cli: Cli) -> None:
    cli("scale", "checkout", "5", "--env", "staging")
    assert cli("audit", "verify").returncode == 0
    with sqlite3.connect(cli.cwd / "state" / "paas.db") as db:
        db.execute("UPDATE paas_events SET actor = 'nobody' WHERE position = 3")
    result = cli("audit", "verify")
    assert result.returncode == 1
    assert "event 3" in result.stderr and "modified" in result.stderr
