"""The `zjtx` command: `evaluate` goes to the rules engine without Django,
everything else to Django's management commands."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from zjtx import cli

REPO = Path(__file__).resolve().parent.parent
ZJTX_SCRIPT = Path(sys.executable).parent / "zjtx"


def _env_without_django() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.mark.parametrize("argv", [[], ["-h"], ["--help"]])
def test_help_names_evaluate_and_django_commands(argv, capsys):
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "zjtx evaluate CASE.yaml" in out
    assert "Django" in out
    assert "用法" in out and "usage" in out


def test_evaluate_is_dispatched_with_remaining_arguments(monkeypatch):
    received = []

    def fake_main(argv):
        received.append(argv)
        return 3

    fake = types.ModuleType("zjtx.policy.cli")
    fake.main = fake_main
    monkeypatch.setitem(sys.modules, "zjtx.policy.cli", fake)

    assert cli.main(["evaluate", "case.yaml", "--json", "--as-of", "2024-12-31"]) == 3
    assert received == [["case.yaml", "--json", "--as-of", "2024-12-31"]]


def test_evaluate_neither_imports_nor_configures_django():
    # A fresh interpreter, so that nothing this test session loaded can hide an import.
    script = """
import json, os, sys, types
fake = types.ModuleType("zjtx.policy.cli")
fake.main = lambda argv: 7 if argv == ["case.yaml"] else 99
sys.modules["zjtx.policy.cli"] = fake
from zjtx.cli import main
rc = main(["evaluate", "case.yaml"])
print(json.dumps({
    "rc": rc,
    "django_imported": any(m == "django" or m.startswith("django.") for m in sys.modules),
    "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env_without_django(),
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result == {"rc": 7, "django_imported": False, "settings_module": None}


@pytest.mark.skipif(
    importlib.util.find_spec("zjtx.policy.cli") is None,
    reason="zjtx.policy.cli (the rules engine's command) is not written yet",
)
def test_real_evaluate_command_does_not_import_django():
    script = (
        "import sys, zjtx.policy.cli; "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env_without_django(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


def test_other_commands_go_to_django_with_default_settings(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: calls.append(argv)
    )
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)

    assert cli.main(["migrate", "--noinput"]) == 0
    assert calls == [["zjtx", "migrate", "--noinput"]]
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "zjtx.settings"


def test_an_explicit_settings_module_is_kept(monkeypatch):
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: None)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "somewhere.production")
    cli.main(["check"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "somewhere.production"


def test_installed_zjtx_check_runs_django_system_checks():
    done = subprocess.run(
        [str(ZJTX_SCRIPT), "check"],
        env=_env_without_django(),
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_installed_zjtx_fails_on_an_unknown_command():
    done = subprocess.run(
        [str(ZJTX_SCRIPT), "no-such-command"],
        env=_env_without_django(),
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "no-such-command" in done.stderr
