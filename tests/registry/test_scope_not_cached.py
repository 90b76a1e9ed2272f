"""No process keeps a permission or a user's data: an official moved to another
county stops reading the old county's enterprise history at once, and a change
is seen on the next request (issue 16: a per-process cache kept both)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.registry.factories import jurisdiction

pytestmark = pytest.mark.django_db


def test_a_moved_official_no_longer_reads_the_old_countys_history(client, world):
    official = world["county_410323"]
    url = reverse("registry:enterprise-history", args=[world["xa"].pk])
    client.force_login(official)
    assert client.get(url).status_code == 200
    official.profile.jurisdiction = jurisdiction("410305")  # 新安县 → 涧西区
    official.profile.save()
    assert client.get(url).status_code == 404
    assert client.get(reverse("registry:enterprise-history", args=[world["jx"].pk])).status_code == 200


def test_the_history_shows_a_change_made_after_the_first_visit(client, world):
    client.force_login(world["city_admin"])
    url = reverse("registry:enterprise-history", args=[world["xa"].pk])
    before = client.get(url).context["history"]
    xa = world["xa"]
    xa.name = "新安某精密机械股份有限公司"
    xa.save()
    after = client.get(url).context["history"]
    assert len(after) == len(before) + 1


def test_no_function_that_takes_a_user_or_request_is_cached_per_process():
    import ast
    from pathlib import Path

    import zjtx

    cached = {"cache", "lru_cache", "cached_property"}
    found = []
    for path in Path(zjtx.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = {getattr(d.func if isinstance(d, ast.Call) else d, "id",
                             getattr(d.func if isinstance(d, ast.Call) else d, "attr", "")) for d in node.decorator_list}
            args = {a.arg for a in node.args.args + node.args.kwonlyargs}
            if names & cached and args & {"user", "request", "actor"}:
                found.append(f"{path.name}:{node.lineno} {node.name}")
    assert not found, found
