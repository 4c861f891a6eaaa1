"""Read commands of the real CLI, in JSON and as tables."""

from __future__ import annotations

from tests.cli.conftest import Cli


def test_apps_lists_the_demo_platform(cli: Cli) -> None:
    apps = cli.json("apps")
    assert {(a["app"], a["environment"]) for a in apps} >= {("checkout", "staging"), ("payments", "prod")}
    table = cli("apps").stdout
    assert "checkout" in table and "healthy" in table


def test_status_shows_every_environment_and_the_releases(cli: Cli) -> None:
    status = cli.json("status", "checkout")
    assert [a["environment"] for a in status["apps"]] == ["prod", "staging"]
    assert status["releases"] == ["v1.4.0", "v1.4.1", "v1.4.2", "v1.5.0"]


def test_metrics_over_a_window(cli: Cli) -> None:
    data = cli.json("metrics", "checkout", "latency_p95", "--env", "staging", "--since", "30m")
    assert data["window"] == "30m" and data["unit"] == "ms"
    assert data["stats"]["max"] >= data["stats"]["min"] > 0
    assert "latency_p95 of checkout/staging" in cli("metrics", "checkout", "latency_p95", "-e", "staging").stdout


def test_unknown_names_give_a_clear_error_and_exit_non_zero(cli: Cli) -> None:
    result = cli("status", "chekout")
    assert result.returncode == 1
    assert "unknown app 'chekout'" in result.stderr and "checkout" in result.stderr
    result = cli("metrics", "checkout", "vibes", "--env", "staging")
    assert result.returncode == 1 and "metric" in result.stderr
    assert "Traceback" not in result.stderr


def test_whoami_is_the_os_user_as_admin_on_a_fresh_install(cli: Cli) -> None:
    assert "admin everywhere" in cli("whoami").stdout


def test_empty_install_says_how_to_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.cli.conftest import _env

    result = Cli(tmp_path, _env(tmp_path, None))("apps")
    assert result.returncode == 0 and "paas init --demo" in result.stdout
