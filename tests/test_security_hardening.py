"""Security settings: debug off unless asked for, no public secret key, errors
logged with their traceback, a Content-Security-Policy on every page. Settings are
evaluated once per process, so the settings cases run in a fresh interpreter."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SHOW = ("import json, zjtx.settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'key': s.SECRET_KEY}))")


def _clean_env(**env) -> dict:
    """This process's environment without ZJTX_* and without pytest's PYTEST_VERSION
    (under which the suite runs in development mode): what an operator's shell has."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ZJTX_") and k != "PYTEST_VERSION"}
    return {**base, **env}


def _settings(**env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SHOW], env=_clean_env(**env), cwd=REPO,
                          capture_output=True, text=True)


# --- item 4: debug off by default, no public key ------------------------------------------

def test_debug_is_off_unless_asked_for():
    done = _settings()
    assert done.returncode != 0, done.stdout
    assert "ImproperlyConfigured" in done.stderr and "ZJTX_SECRET_KEY must be set" in done.stderr
    done = _settings(ZJTX_SECRET_KEY="k" * 50 + "-production-ish-0123456789")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["debug"] is False


def test_development_mode_makes_a_key_of_its_own_and_keeps_it():
    first, second = _settings(ZJTX_DEBUG="1"), _settings(ZJTX_DEBUG="1")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    key = json.loads(first.stdout)["key"]
    assert json.loads(second.stdout)["key"] == key  # sessions survive a restart
    assert "insecure" not in key and len(key) >= 50 and len(set(key)) >= 5
    kept = REPO / "var" / "secret_key"
    assert kept.read_text().strip() == key
    assert stat.S_IMODE(kept.stat().st_mode) & 0o077 == 0  # readable by its owner only
    # the key is nowhere in the repository's code
    assert key not in (REPO / "zjtx" / "settings.py").read_text()
    # an explicit key wins
    done = _settings(ZJTX_DEBUG="1", ZJTX_SECRET_KEY="explicit-" + "x" * 50)
    assert json.loads(done.stdout)["key"] == "explicit-" + "x" * 50


def test_make_run_asks_for_development_mode():
    done = subprocess.run(["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, env=_clean_env())
    assert done.returncode == 0, done.stderr
    commands = [c for line in done.stdout.splitlines() for c in re.split(r"[;&]\s*", line)
                if "bin/zjtx " in c]
    assert {c.split("bin/zjtx ", 1)[1].split()[0] for c in commands} >= {"migrate", "demo", "db_worker",
                                                                          "runserver"}
    for c in commands:
        assert c.strip().startswith("ZJTX_DEBUG=1 "), c


# --- item 5: server errors leave a traceback ------------------------------------------------

def _boom(request):
    raise RuntimeError("boom-500 for the log")


def _urlpatterns():
    from django.contrib.auth.decorators import login_not_required
    from django.urls import path

    return [path("boom/", login_not_required(_boom))]


urlpatterns = _urlpatterns()


@pytest.mark.urls(__name__)
def test_a_server_error_logs_its_traceback(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        assert client.get("/boom/").status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "Traceback" in caplog.text and "RuntimeError: boom-500 for the log" in caplog.text


ERROR_IN_A_VIEW = """
import django
django.setup()
from django.contrib.auth.decorators import login_not_required
from django.test import Client, override_settings
from django.urls import path

def boom(request):
    raise RuntimeError("boom-500 in production")

urlpatterns = [path("boom/", login_not_required(boom))]
with override_settings(ROOT_URLCONF="__main__"):
    print(Client(raise_request_exception=False).get("/boom/", secure=True).status_code)
"""


def test_in_production_a_500_goes_to_stderr_and_the_log_file_with_a_timestamp(tmp_path):
    log_file = tmp_path / "log" / "zjtx.log"
    env = _clean_env(ZJTX_DEBUG="0", ZJTX_SECRET_KEY="k" * 50 + "-0123456789", ZJTX_ALLOWED_HOSTS="testserver",
                     ZJTX_LOG_FILE=str(log_file), DJANGO_SETTINGS_MODULE="zjtx.settings")
    done = subprocess.run([sys.executable, "-c", ERROR_IN_A_VIEW], env=env, cwd=REPO, capture_output=True,
                          text=True)
    assert done.stdout.strip() == "500", done.stdout + done.stderr
    stamped = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ERROR django\.request .*/boom/", re.M)
    for text in (done.stderr, log_file.read_text(encoding="utf-8")):
        assert stamped.search(text), text
        assert "Traceback (most recent call last)" in text and "RuntimeError: boom-500 in production" in text


# --- item 6: the login lock-out behind the proxy ----------------------------------------------

PROXY = "10.0.0.2"  # every request reaches the platform from the proxy


def _login(client, password):
    return client.post("/accounts/login/", {"username": "city_admin", "password": password})


def _from(forwarded_for: str):
    from django.test import Client

    # what nginx sends on: the client's own X-Forwarded-For, if any, then the peer it saw
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.mark.django_db
def test_behind_the_proxy_failures_lock_out_the_forwarded_address_only(settings):
    from django.contrib.auth import get_user_model

    settings.ZJTX_BEHIND_PROXY = True
    get_user_model().objects.create_user("city_admin", password="right-pass-2026")
    attacker = _from("203.0.113.7")
    for _ in range(5):
        assert _login(attacker, "wrong").status_code in (200, 429)
    assert _login(attacker, "right-pass-2026").status_code == 429
    # claiming to be someone else in the header changes nothing: the proxy's entry counts
    assert _login(_from("198.51.100.20, 203.0.113.7"), "right-pass-2026").status_code == 429
    # the officer, from another address through the same proxy, still signs in
    assert _login(_from("198.51.100.20"), "right-pass-2026").status_code == 302


@pytest.mark.django_db
def test_without_the_proxy_setting_the_forwarded_header_is_ignored(settings):
    from django.contrib.auth import get_user_model

    settings.ZJTX_BEHIND_PROXY = False
    get_user_model().objects.create_user("city_admin", password="right-pass-2026")
    for i in range(5):
        _login(_from(f"203.0.113.{i}"), "wrong")  # a new "address" each time: the header is not trusted
    assert _login(_from("198.51.100.20"), "right-pass-2026").status_code == 429


def test_the_proxy_setting_comes_from_the_environment():
    show = ("import json, zjtx.settings as s; "
            "print(json.dumps([s.ZJTX_BEHIND_PROXY, s.AXES_CLIENT_IP_CALLABLE, s.SECURE_PROXY_SSL_HEADER]))")
    env = _clean_env(ZJTX_SECRET_KEY="k" * 50 + "-0123456789", ZJTX_BEHIND_PROXY="1")
    done = subprocess.run([sys.executable, "-c", show], env=env, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, "zjtx.accounts.lockout.client_ip_address",
                                       ["HTTP_X_FORWARDED_PROTO", "https"]]


# --- item 7: a Content-Security-Policy on every page ----------------------------------------

def _every_url():
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)
    return sorted(set(walk(get_resolver().url_patterns)))


def _filled(pattern: str, ids: dict) -> str:
    values = {"kind": "enterprises", "uidb64": "MQ", "token": "set-password", "number": "1"}

    def value(m):
        name = m.group(2)
        if pattern.startswith("fulfilment/statement/") and name == "kind":
            return "enterprise"
        return str(ids.get((pattern.split("/")[0], name), values.get(name, "1")))
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, pattern)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client, world):
    from django.contrib.auth import get_user_model

    from zjtx.csp import POLICY
    from zjtx.fulfilment.models import Claim
    from zjtx.fulfilment.scan import run_scan

    assert "default-src 'self'" in POLICY and "script-src 'self'" in POLICY and "'unsafe" not in POLICY
    for directive in ("style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'",
                      "object-src 'none'"):
        assert directive in POLICY
    run_scan()
    claim = Claim.objects.order_by("pk").first()
    ids = {("fulfilment", "pk"): claim.pk, ("registry", "pk"): world["jx"].pk}
    urls = [_filled(p, ids) for p in _every_url()]
    assert len(urls) > 40 and "/fulfilment/ledger/" in urls
    urls.remove("/accounts/logout/")
    urls.append("/accounts/logout/")  # last: it signs the visitor out
    admin = get_user_model().objects.create_superuser("root", password="x-root-pass-2026")
    seen = {}
    for who in (None, world["city_admin"], world["ent_jx"], admin):
        client.logout()
        if who:
            client.force_login(who)
        for url in urls:
            for response in (client.get(url), client.post(url, {})):
                seen[response.status_code] = url
                assert response.get("Content-Security-Policy") == POLICY, (url, response.status_code)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                html = response.content.decode()
                assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
                assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html).group(0))
                assert not STYLE_ATTRIBUTE.search(html), (url, STYLE_ATTRIBUTE.search(html).group(0))
    assert {200, 302, 403, 404, 405} <= set(seen), seen
    # the login lock-out's page too
    client.logout()
    for _ in range(6):
        locked = client.post("/accounts/login/", {"username": "city_admin", "password": "wrong"})
    assert locked.status_code == 429 and locked["Content-Security-Policy"] == POLICY


@pytest.mark.django_db
def test_an_evidence_file_keeps_its_own_sandbox_policy():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from zjtx.csp import ContentSecurityPolicyMiddleware

    def sandboxed(request):
        response = HttpResponse(b"%PDF-")
        response["Content-Security-Policy"] = "sandbox"
        return response

    response = ContentSecurityPolicyMiddleware(sandboxed)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "sandbox"
