"""Settings come from the environment; each case runs in a fresh interpreter
because settings are evaluated once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

REPO = Path(__file__).resolve().parent.parent

SHOW = (
    "import json, zjtx.settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), "
    "'host': db.get('HOST'), 'port': db.get('PORT'), 'debug': s.DEBUG, "
    "'hosts': s.ALLOWED_HOSTS}))"
)


def _settings_with(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("ZJTX_")}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_default_database_is_sqlite_under_var():
    done = _settings_with()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["engine"] == "django.db.backends.sqlite3"
    assert Path(result["name"]) == REPO / "var" / "zjtx.sqlite3"
    assert (REPO / "var").is_dir()
    assert result["debug"] is True


def test_database_url_selects_postgresql():
    done = _settings_with(ZJTX_DATABASE_URL="postgres://someone@db.example:5433/zjtx_prod")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["engine"] == "django.db.backends.postgresql"
    assert (result["name"], result["host"], result["port"]) == ("zjtx_prod", "db.example", 5433)


def test_production_refuses_to_start_without_a_secret_key():
    done = _settings_with(ZJTX_DEBUG="0")
    assert done.returncode != 0
    assert "ZJTX_SECRET_KEY" in done.stderr


def test_production_settings_from_environment():
    done = _settings_with(
        ZJTX_DEBUG="0",
        ZJTX_SECRET_KEY="x" * 50,
        ZJTX_ALLOWED_HOSTS="zjtx.example, www.zjtx.example",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["debug"] is False
    assert result["hosts"] == ["zjtx.example", "www.zjtx.example"]


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert "zjtx.web" in settings.INSTALLED_APPS
