"""The account pages (password change and reset) are the site's, in Chinese, not
the admin's; a reset mail goes out and its link sets a new password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "zjtx-Old-2026"


@pytest.fixture
def officer():
    return get_user_model().objects.create_user("officer", "officer@ly.example.cn", PASSWORD)


def _ours(html: str) -> bool:
    return 'class="site-header"' in html and "Django" not in html and "站点管理" not in html


def test_every_account_page_is_the_sites(client, officer):
    for url in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/",
                "/accounts/reset/MQ/bad-token/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert _ours(html), url
    client.force_login(officer)
    for url in ("/accounts/password_change/", "/accounts/password_change/done/"):
        assert _ours(client.get(url).content.decode()), url


def test_a_bad_reset_link_says_so(client):
    assert "该重设链接无效" in client.get("/accounts/reset/MQ/bad-token/").content.decode()


def test_changing_the_password_checks_the_old_one_and_the_rules(client, officer):
    client.force_login(officer)
    wrong = client.post("/accounts/password_change/", {
        "old_password": "not-it", "new_password1": "Luoyang-zjtx-77", "new_password2": "Luoyang-zjtx-77"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    weak = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    done = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "Luoyang-zjtx-77", "new_password2": "Luoyang-zjtx-77"})
    assert done.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("Luoyang-zjtx-77")


def test_a_reset_mail_sets_a_new_password(officer):
    client = Client()
    assert client.post("/accounts/password_reset/", {"email": officer.email}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    assert "设置新密码" in form.content.decode()
    target = form.redirect_chain[-1][0] if form.redirect_chain else link
    client.post(target, {"new_password1": "Luoyang-zjtx-88", "new_password2": "Luoyang-zjtx-88"})
    officer.refresh_from_db()
    assert officer.check_password("Luoyang-zjtx-88")


def test_the_favicon_is_there_for_anyone():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("zjtx/favicon.svg")
