"""Logins are rate-limited; production settings pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_for_a_while():
    get_user_model().objects.create_user("city_admin", password="right-pass-2026")
    c = Client()
    for _ in range(5):
        page = c.post("/accounts/login/", {"username": "city_admin", "password": "wrong"})
        assert "用户名或密码不正确" in page.content.decode() or page.status_code == 429
    locked = c.post("/accounts/login/", {"username": "city_admin", "password": "right-pass-2026"})
    assert locked.status_code == 429 and "登录已暂停" in locked.content.decode()
    # another account is not locked by these failures
    get_user_model().objects.create_user("jinrong", password="right-pass-2026")
    ok = Client().post("/accounts/login/", {"username": "jinrong", "password": "right-pass-2026"})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_login_form_posts_username_and_password_with_csrf():
    get_user_model().objects.create_user("enterprise_demo", password="right-pass-2026")
    c = Client(enforce_csrf_checks=True)
    page = c.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    assert c.post("/accounts/login/", {"username": "enterprise_demo", "password": "right-pass-2026"}).status_code == 403
    ok = c.post("/accounts/login/", {"username": "enterprise_demo", "password": "right-pass-2026",
                                     "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


def test_production_settings_pass_check_deploy():
    # the browser tests' conftest allows the ORM beside Playwright's event loop
    # (DJANGO_ALLOW_ASYNC_UNSAFE); production never has it, and check --deploy says so
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**inherited, "ZJTX_DEBUG": "0", "ZJTX_ALLOWED_HOSTS": "zjtx.ly.gov.cn",
           "ZJTX_SECRET_KEY": "k3J9-vQ2x!Lr8#pW5z@Tn6Ym0&Hs4Ud7Gf1Ea9Cb2Rw8Oq5Iu3Ny6Mt0Pl4Xk7Jh",
           "DJANGO_SETTINGS_MODULE": "zjtx.settings"}
    result = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    debug_off_without_key = subprocess.run(
        [sys.executable, "-m", "django", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**env, "ZJTX_SECRET_KEY": ""})
    assert debug_off_without_key.returncode != 0
    assert "ZJTX_SECRET_KEY" in debug_off_without_key.stderr
