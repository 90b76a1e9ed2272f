"""Benchmark of the enterprise pages as served in production: 200,000 enterprises in
PostgreSQL behind gunicorn, 20 logged-in users without think time on loopback
searching and paging the enterprise list and opening one-file pages (一户一档).

    .venv/bin/python benchmarks/web.py                       # n=200000, 20 users, 60 s per mix
    .venv/bin/python benchmarks/web.py --n 20000 --seconds 20
    .venv/bin/python benchmarks/web.py --keep                # leave the database for EXPLAIN
    .venv/bin/python benchmarks/web.py --reuse zjtx_bench_web_123 --workers 3,5,9
    .venv/bin/python benchmarks/web.py --load locust         # the older load generator

Needs the `bench` extra (`pip install -e '.[bench]'`: gunicorn is a dependency of
the project, locust of the benchmark only), wrk (the Debian package `wrk`, the
default load generator; not needed with --load locust) and a PostgreSQL server on
127.0.0.1:5432 (trust auth; ZJTX_BENCH_POSTGRES overrides the server URL).

1. A scratch database (created here, dropped at the end unless --keep), migrated,
   then loaded with COPY (psycopg 3): N enterprises over every jurisdiction with
   names and valid GB 32100 credit codes from zjtx/registry/demo.py's helpers,
   recognitions in all four tiers from the demo's batches (first recognition and
   复核 renewals, three-year validity), listing milestones, investors and
   investments. No history rows (simple_history) are written. Then VACUUM ANALYZE.
2. Two accounts: a city admin (sees all) and a district official of 涧西区 (sees one
   district), with the production password hasher.
3. gunicorn, sync workers, with ZJTX_DEBUG=0, a random secret key,
   ZJTX_ALLOWED_HOSTS=127.0.0.1 and ZJTX_SSL_REDIRECT=0 / ZJTX_SECURE_COOKIES=0
   (plain HTTP on loopback: there is no TLS to redirect to, and a Secure cookie
   would never be sent back over HTTP). Static files are not requested.
4. For each account: --users sessions logged in through the login form (GET for the
   CSRF token, POST), each starting from its own offset in one plan of 6,000
   requests drawn with the weights of MIX: search by a name fragment, by a credit
   code prefix, page 1..20 of the list, the list filtered (jurisdiction, tier,
   status, industry; other sorts too), the list sorted by code, jurisdiction or
   latest recognition, and one-file pages of random enterprises the user may see.
   Any response but a 200 holding the page asked for (each plan entry names a text
   the page must hold; the login form is never one, redirects are not followed) is
   an error. --users users send it without think time, with one of two generators:

   - wrk (--load wrk, the default; benchmarks/web_wrk.lua): a thread per user with
     one connection, so each thread's responses come back in the order of its
     requests and the Lua script checks each against its plan entry. A run of
     --warmup seconds, not counted, then the measured run of --seconds. The script
     times every request itself (from the request written to the response read;
     connecting is not in it), since wrk's own percentiles are "corrected" for
     coordinated omission with made-up samples that, with closed-loop users, raise
     the p95 far above any request's latency. It writes each request's kind, time
     and verdict, so the report has a row per kind of request, as with locust.
   - locust (--load locust; benchmarks/web_locust.py): a user per session for
     --warmup + --seconds; only requests started after the warm-up count. Every
     request is recorded, so the report has a row per kind of request.

   wrk is the default because the load generator shares the machine with the
   server: locust costs about 2 ms of CPU a request (≈10-20 % of the 2 cores at
   the ≈100 req/s the server reaches here), wrk a small fraction of that, so with
   wrk the latencies and the throughput are more nearly the server's own. Both
   generators' CPU per request is in the report.

Besides latencies, the CPU time the server side used per request (gunicorn and the
PostgreSQL backends of the benchmark database, sampled with psutil; parallel plans
are off for that database by default, --pg-parallel, so no CPU hides in parallel
workers), and from it the most this machine could serve if nothing else ran: on a
shared machine the latencies depend on the others' load, the CPU cost much less.

Prints a Markdown report per run (or writes it with --markdown FILE); the last line
reads `web n=… users=… p95_ms=… p50_ms=… rps=… errors=…` for the overall mix of
the city admin at the first worker count. Goal: p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import psutil  # comes with locust
import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv the script runs in (.venv/bin/python benchmarks/web.py)
HERE = Path(__file__).resolve().parent
SERVER = os.environ.get("ZJTX_BENCH_POSTGRES", "postgres://root@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"  # the only address ever loaded
WRK = shutil.which("wrk") or "/usr/bin/wrk"
PASSWORD = "zjtx-bench-web-2026"
GOAL_MS = 300
SEED = 20261128
DISTRICT = "410305"  # 涧西区, the largest district (about 16% of the enterprises)
PAGES = 20  # list pages 1..PAGES
MIX = {  # kind → weight (per cent of requests)
    "search-name": 15,
    "search-code": 10,
    "list": 20,
    "list-filter": 20,
    "list-sort": 10,
    "detail": 25,
}
ACCOUNTS = {"city": "bench_city_admin", "district": f"bench_district_{DISTRICT}"}


# -- machine --------------------------------------------------------------------


def _sh(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine(pg_version: str) -> str:
    return "\n".join([
        f"- nproc: {_sh('nproc')}",
        f"- load average at start: {' '.join(open('/proc/loadavg').read().split()[:3])}",
        "- lscpu | head -20:\n\n```\n" + _sh("lscpu | head -20") + "\n```",
        "- free -h:\n\n```\n" + _sh("free -h") + "\n```",
        f"- PostgreSQL: {pg_version}",
        f"- Python: {platform.python_version()}; Django, gunicorn, locust, wrk: "
        + _sh(f"{BIN}/python -c 'import django, gunicorn; print(django.__version__, gunicorn.__version__)'")
        + ", " + _sh(f"{BIN}/locust --version").split(" from ")[0]
        + ", " + (_sh(f"{WRK} --version 2>&1 | head -1").split(" [")[0] or "not installed"),
    ])


# -- the scratch database ---------------------------------------------------------


def _server_url(db: str) -> str:
    return SERVER.rsplit("/", 1)[0] + "/" + db


def create_database(name: str) -> None:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(db: str) -> None:
    os.environ["ZJTX_DATABASE_URL"] = _server_url(db)
    # Production settings in this process too (no query log kept in memory); a key of its own.
    os.environ.setdefault("ZJTX_DEBUG", "0")
    os.environ.setdefault("ZJTX_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zjtx.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- loading ----------------------------------------------------------------------


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def load(n: int, seed: int = SEED) -> dict[str, int]:
    """N enterprises and their facts, written with COPY in one transaction."""
    from django.db import connection, transaction

    from zjtx.registry import demo, models
    from zjtx.registry.names import normalise_name

    b = demo._Builder(seed)  # the demo's credit codes, unique names, people and phones
    rng = b.rng
    homes = dict(models.Jurisdiction.objects.values_list("code", "pk"))
    codes = list(demo.PLACES) + list(demo.RETIRED_PLACES)
    weights = [p.weight for p in demo.PLACES.values()] + [0.4, 0.3, 0.3]  # ~1% still on retired codes
    parts = [p for p, _, _ in demo.INDUSTRIES]
    part_weights = [w for _, _, w in demo.INDUSTRIES]
    firsts = {}  # tier → (batches, weights) of first recognitions
    for tier, batches in (("innovative", demo.INNOVATIVE), ("city", demo.CITY),
                          ("provincial", demo.PROVINCIAL), ("national", demo.NATIONAL)):
        usable = [x for x in batches if x.new]
        firsts[tier] = (batches, usable, [x.new for x in usable])
    now = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)

    enterprises = []
    for pk in range(1, n + 1):
        home = rng.choices(codes, weights)[0]
        place = b.place(home)
        local = place.specialities
        part = rng.choice(local) if local and rng.random() < 0.45 else rng.choices(parts, part_weights)[0]
        r = rng.random()
        listed, neeq = r < 0.001, 0.001 <= r < 0.012

        def make(place=place, part=part, joint=listed or neeq):
            trade = rng.choice(demo.WORDS) + (rng.choice(demo.WORDS) if rng.random() < 0.6 else "")
            suffix = "" if part.endswith(("科技", "技术", "软件")) else rng.choice(("", "", "", "科技"))
            form = "股份有限公司" if joint else rng.choice(
                ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"))
            return rng.choice(place.prefixes) + trade + part + suffix + form

        name = b.unique_name(make)
        areas = demo.CODE_AREAS.get(home, ((home, 5), ("410300", 1)))
        area = rng.choices([a for a, _ in areas], [w for _, w in areas])[0]
        exchange = rng.choice(("深圳证券交易所创业板", "上海证券交易所科创板", "北京证券交易所")) if listed else ""
        enterprises.append((
            pk, name, normalise_name(name), b.credit_code(area), homes[home], demo.INDUSTRY_OF[part],
            rng.choices(("medium", "small", "micro"), (10, 55, 35))[0],
            f"河南省{place.address}{rng.choice(place.roads)}{rng.randint(1, 399)}号", b.person(), b.phone(),
            listed, dt.date(2021 + rng.randrange(5), rng.randint(1, 12), rng.randint(1, 28)) if listed else None,
            exchange, rng.choice(("basic", "basic", "innovation")) if neeq else "", now, now))
        # Recognitions: nested tiers as in the city's statistics, renewals by 复核.
        innovative = rng.random() < 0.65
        provincial = rng.random() < (0.13 if innovative else 0.04)
        for tier, held in (("innovative", innovative), ("city", rng.random() < (0.25 if innovative else 0.05)),
                           ("provincial", provincial), ("national", provincial and rng.random() < 0.12)):
            if held:
                batches, usable, w = firsts[tier]
                first = rng.choices(usable, w)[0]
                b.recognise(pk - 1, tier, batches, first, defaulted=tier == "provincial" and first.on.year == 2019)
        # Listing milestones.
        if listed:
            day = enterprises[-1][11]
            for node, back in (("tutoring_accepted", 700), ("review_passed", 200), ("listed", 0)):
                b.data.milestones.append(demo.MilestoneRow(pk - 1, "ipo_node", day - dt.timedelta(days=back),
                                                           path="domestic", exchange=exchange, node=node))
        elif neeq:
            b.data.milestones.append(demo.MilestoneRow(
                pk - 1, "neeq", dt.date(2020 + rng.randrange(6), rng.randint(1, 12), rng.randint(1, 28)),
                action="basic_listed"))
        elif rng.random() < 0.005:
            b.data.milestones.append(demo.MilestoneRow(
                pk - 1, "regional_equity_listed", dt.date(2021 + rng.randrange(5), rng.randint(1, 12), 15),
                market="中原股权交易中心", board=rng.choice(("trading", "display"))))

    investors = []
    for pk in range(1, 401):
        name = b.unique_name(lambda: f"洛阳{rng.choice(demo.WORDS)}{rng.choice(demo.WORDS)}"
                                     f"{rng.choice(('创业投资基金合伙企业（有限合伙）', '股权投资有限公司'))}")
        kind = "investment_company" if name.endswith("有限公司") else "private_fund"
        investors.append((pk, name, kind, b.credit_code("410300"), "S" + str(100000 + pk) if kind == "private_fund"
                          else ""))
    investments = []
    for investee in rng.sample(range(1, n + 1), max(1, n // 40)):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1800))
        for round_ in ("天使轮", "A轮", "B轮")[:rng.choice((1, 1, 2, 3))]:
            for investor in rng.sample(range(1, 401), rng.choice((1, 1, 2))):
                amount = Decimal(rng.randint(10, 500) * 100_000)
                investments.append((investor, investee, "direct", round_, 1, amount, amount, day,
                                    day + dt.timedelta(days=20)))
            day += dt.timedelta(days=rng.randint(200, 500))

    E, R, M, Inv, V = (models.Enterprise, models.Recognition, models.ListingMilestone, models.Investor,
                     models.Investment)
    with transaction.atomic(), connection.cursor() as c:
        counts = {
            "enterprises": _copy(c, E._meta.db_table, (
                "id", "name", "name_key", "uscc", "fiscal_home_id", "industry", "size", "address", "contact_name",
                "contact_phone", "listed", "listed_on", "exchange", "neeq_layer", "created_at", "updated_at"),
                enterprises),
            "recognitions": _copy(c, R._meta.db_table, (
                "enterprise_id", "tier", "kind", "batch", "announced_on", "valid_to", "valid_to_defaulted",
                "source_document"), ((r.ent + 1, r.tier, r.kind, r.batch, r.announced_on, r.valid_to,
                                      r.valid_to_defaulted, "基准测试数据·" + r.batch) for r in b.data.recognitions)),
            "milestones": _copy(c, M._meta.db_table, (
                "enterprise_id", "kind", "date", "path", "exchange", "node", "action", "market", "board",
                "source_document"), ((m.ent + 1, m.kind, m.date, m.path, m.exchange, m.node, m.action, m.market,
                                      m.board, "基准测试数据") for m in b.data.milestones)),
            "investors": _copy(c, Inv._meta.db_table, ("id", "name", "kind", "uscc", "amac_code"), investors),
            "investments": _copy(c, V._meta.db_table, (
                "investor_id", "investee_id", "vehicle", "round", "tranche", "paid_in", "subscribed",
                "paid_in_date", "registered_on"), investments),
        }
        for model in (E, Inv):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                      f"(SELECT max(id) FROM {model._meta.db_table}))")
    return counts


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")


def make_accounts() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from zjtx.accounts.models import Profile, Role
    from zjtx.registry.models import Jurisdiction

    User = get_user_model()
    password = make_password(PASSWORD)  # the production hasher: a login costs what it costs there
    for key, role, jurisdiction in (("city", Role.CITY_ADMIN, None),
                                    ("district", Role.LOCAL, Jurisdiction.objects.get(code=DISTRICT))):
        user, _ = User.objects.update_or_create(username=ACCOUNTS[key], defaults={
            "password": password, "last_name": "基准", "first_name": "测试"})
        Profile.objects.update_or_create(user=user, defaults={
            "role": role, "jurisdiction": jurisdiction, "display_unit": "基准测试"})


# -- the mix ----------------------------------------------------------------------


def plan_requests(username: str, count: int = 6000, seed: int = SEED) -> list[tuple[str, str, str]]:
    """(kind, path, a text the page must hold), drawn with MIX's weights from what
    this user may see."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from zjtx.accounts.scope import enterprises_visible_to
    from zjtx.registry import demo
    from zjtx.registry.models import Jurisdiction
    from zjtx.registry.selectors import STATUSES, TIER_ORDER

    user = get_user_model().objects.get(username=username)
    visible = list(enterprises_visible_to(user).values_list("pk", "name", "uscc", "industry"))
    current = list(Jurisdiction.objects.filter(successor__isnull=True).values_list("code", flat=True))
    if username == ACCOUNTS["district"]:
        current = [DISTRICT]
    industries = sorted({v[3] for v in visible})
    rng = random.Random(seed)
    base = reverse("registry:enterprise-list")
    words = set(demo.WORDS)
    parts = [p for p, _, _ in demo.INDUSTRIES]

    def url(**params) -> str:
        params = {k: v for k, v in params.items() if v not in ("", None, 1)}
        return base + ("?" + urlencode(params) if params else "")

    def fragment(name: str) -> str:
        way = rng.random()
        found = [w for w in words if w in name]
        if way < 0.4 and found:
            return rng.choice(found)  # a trade-name word: 晟铭
        inside = [p for p in parts if p in name]
        if way < 0.6 and inside:
            return rng.choice(inside)  # an industry: 耐火材料
        stem = re.sub(r"(股份)?有限(责任)?公司$", "", name)
        start = rng.randrange(max(1, len(stem) - 3))
        return stem[start:start + 4]  # four characters from the middle: 铭瑞锦轴

    out = []
    kinds, weights = list(MIX), list(MIX.values())
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        pk, name, uscc, _ = rng.choice(visible)
        if kind == "search-name":
            out.append((kind, url(q=fragment(name), page=rng.choice((1, 1, 1, 2))), "data-total="))
        elif kind == "search-code":
            out.append((kind, url(q=uscc[:rng.choice((8, 10, 12, 14))]), "data-total="))
        elif kind == "list":
            out.append((kind, url(page=rng.randint(1, PAGES)), "data-total="))
        elif kind == "list-filter":
            filters = {}
            for key, values, p in (("jurisdiction", current, 0.5), ("tier", TIER_ORDER, 0.5),
                                   ("status", list(STATUSES), 0.2), ("industry", industries, 0.2)):
                if rng.random() < p:
                    filters[key] = rng.choice(values)
            if not filters:
                filters["tier"] = rng.choice(TIER_ORDER)
            if rng.random() < 0.3:
                filters["sort"] = rng.choice(("uscc", "jurisdiction", "-recognized"))
            out.append((kind, url(**filters, page=rng.choice((1, 1, 2, 3, 4, 5))), "data-total="))
        elif kind == "list-sort":
            sort = rng.choice(("uscc", "-uscc", "jurisdiction", "-jurisdiction", "-recognized", "recognized", "-name"))
            out.append((kind, url(sort=sort, page=rng.randint(1, PAGES // 2)), "data-total="))
        else:
            out.append((kind, reverse("registry:enterprise-detail", args=[pk]), f'<code class="uscc">{uscc}</code>'))
    return out


# -- the server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZJTX_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "zjtx.settings",
        "ZJTX_DATABASE_URL": _server_url(db),
        "ZJTX_DEBUG": "0",
        "ZJTX_SECRET_KEY": secrets.token_urlsafe(50),
        "ZJTX_ALLOWED_HOSTS": HOST,
        # Plain HTTP on loopback: no TLS to redirect to, and Secure cookies would not come back.
        "ZJTX_SSL_REDIRECT": "0",
        "ZJTX_SECURE_COOKIES": "0",
    })
    return env


class Gunicorn:
    def __init__(self, db: str, workers: int, log: Path):
        self.port = free_port()
        self.workers = workers
        self.args = [str(BIN / "gunicorn"), "zjtx.wsgi:application", "--bind", f"{HOST}:{self.port}",
                     "--workers", str(workers), "--worker-class", "sync", "--timeout", "120",
                     "--graceful-timeout", "10", "--log-level", "warning"]
        self.log = open(log, "a")  # noqa: SIM115
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=server_env(db), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}; see {log}")
            try:
                status, _, _ = request("GET", self.port, "/accounts/login/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")
            time.sleep(0.3)

    @property
    def config(self) -> str:
        return " ".join(self.args[1:]).replace(f"{HOST}:{self.port}", f"{HOST}:PORT")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def request(method: str, port: int, path: str, *, body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    out = {}
    for line in headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def log_in(port: int, username: str) -> str:
    """A session cookie got as a browser gets it: the login form, its CSRF token, a POST."""
    status, headers, html = request("GET", port, "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    csrf = _cookies(headers).get("csrftoken")
    if status != 200 or not token or not csrf:
        raise SystemExit(f"login form: HTTP {status}, no CSRF token")
    body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD,
                      "next": ""})
    status, headers, _ = request("POST", port, "/accounts/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"})
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"login of {username}: HTTP {status}, no session cookie")
    return f"sessionid={session}; csrftoken={csrf}"


# -- a run --------------------------------------------------------------------------


def _cpu_busy() -> tuple[int, int]:
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class CpuMeter(threading.Thread):
    """CPU time used by the server side over a window: gunicorn (master and workers)
    and the PostgreSQL backends connected to the benchmark's database, sampled twice
    a second (a backend replaced when its connection reaches CONN_MAX_AGE is counted
    up to its last sample). On a machine others share, CPU time per request is the
    figure their load does not change much; latencies are."""

    def __init__(self, gunicorn_pid: int, db: str):
        super().__init__(daemon=True)
        self.master = psutil.Process(gunicorn_pid)
        self.marker = f" {db} "
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()
        self.ready = threading.Event()  # set once the baseline is sampled
        self.started_at = self.stopped_at = 0.0

    def _processes(self):
        yield "gunicorn", self.master
        for child in self.master.children(recursive=True):
            yield "gunicorn", child
        for p in psutil.process_iter(["name", "cmdline"]):
            line = " ".join(p.info["cmdline"] or ())
            if line.startswith("postgres:") and self.marker in line:
                yield "postgres", p

    def sample(self, *, baseline: bool = False) -> None:
        for side, p in self._processes():
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            used = t.user + t.system
            self.first.setdefault(p.pid, used if baseline else 0.0)
            self.last[p.pid] = (side, used)

    def run(self) -> None:
        self.started_at = time.time()
        self.sample(baseline=True)
        self.ready.set()
        while not self.done.wait(0.5):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.sample()
        self.stopped_at = time.time()
        self.done.set()
        self.join()
        out = {"gunicorn": 0.0, "postgres": 0.0}
        for pid, (side, used) in self.last.items():
            out[side] += used - self.first.get(pid, 0.0)
        return out


def _sessions(port: int, username: str, plan: list, users: int) -> list[str]:
    sessions = [log_in(port, username) for _ in range(users)]
    # A session is checked on a real page before the load starts.
    status, _, html = request("GET", port, plan[0][1], headers={"Cookie": sessions[0]})
    if status != 200 or plan[0][2] not in html:
        raise SystemExit(f"{username}: {plan[0][1]} answered {status} without the page")
    return sessions


def wait_idle(meter: CpuMeter, *, window: float = 0.3, quiet: float = 0.02, limit: float = 60.0) -> float:
    """Seconds until the server side (meter's processes, not started) used at most QUIET
    s of CPU in a WINDOW: a load generator that stops leaves requests with the server
    (gunicorn serves even those whose client has gone), which must not spill into the
    next measured window."""
    def used() -> float:
        total = 0.0
        for _, p in meter._processes():
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            total += t.user + t.system
        return total

    t0 = time.monotonic()
    last = used()
    while time.monotonic() - t0 < limit:
        time.sleep(window)
        now = used()
        if now - last <= quiet:
            break
        last = now
    return time.monotonic() - t0


def run_locust(port: int, username: str, plan: list, *, users: int, seconds: int, warmup: int,
               workdir: Path, server: Gunicorn, db: str) -> dict:
    sessions = _sessions(port, username, plan, users)
    plan_file = workdir / f"plan-{username}.json"
    results = workdir / f"results-{username}.json"
    plan_file.write_text(json.dumps({"sessions": sessions, "requests": plan}, ensure_ascii=False))
    env = {**os.environ, "ZJTX_WEB_PLAN": str(plan_file), "ZJTX_WEB_RESULTS": str(results)}
    args = [str(BIN / "locust"), "-f", str(HERE / "web_locust.py"), "--headless", "--only-summary",
            "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{warmup + seconds}s",
            "--stop-timeout", "0", "--host", f"http://{HOST}:{port}", "--loglevel", "WARNING",
            "--exit-code-on-error", "0"]
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    with open(workdir / "locust.log", "a") as log:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(warmup + 1)  # CPU use is measured over (about) the measured window only
        busy0 = _cpu_busy()
        meter = CpuMeter(server.proc.pid, db)
        meter.start()
        time.sleep(max(1, seconds - 2))
        server_cpu = meter.stop()
        busy1 = _cpu_busy()
        try:
            proc.wait(timeout=warmup + seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise SystemExit("locust did not stop by itself") from None
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (after_children.ru_utime + after_children.ru_stime
                  - before_children.ru_utime - before_children.ru_stime)
    records = json.loads(results.read_text())
    t0 = min((r[1] for r in records), default=started)
    measured = [r for r in records if t0 + warmup <= r[1] < t0 + warmup + seconds]
    # Requests answered while the CPU meter ran.
    metered = sum(1 for r in records if meter.started_at <= r[1] + r[2] / 1000 < meter.stopped_at)
    return {
        "records": measured,
        "seconds": seconds,
        "server_cpu": server_cpu,
        "metered": metered,
        "cpu_busy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        "load_cpu_s": locust_cpu,
        "all_requests": len(records),
        "wall_s": time.time() - started,
    }


def _wrk(port: int, script_env: dict[str, str], *, users: int, seconds: int, workdir: Path) -> dict:
    """One run of wrk: USERS threads of one connection each, for SECONDS; its summary
    (web_wrk.lua's JSON line) with the latency of every response (ms)."""
    # --timeout: wrk leaves latencies over it out of its statistics (default 2 s).
    args = [WRK, "-t", str(users), "-c", str(users), "-d", f"{seconds}s", "--timeout", "60s",
            "-s", str(HERE / "web_wrk.lua"), f"http://{HOST}:{port}/"]
    results = workdir / "wrk-latencies.txt"
    results.unlink(missing_ok=True)
    out = subprocess.run(args, cwd=ROOT, env={**os.environ, **script_env, "ZJTX_WRK_RESULTS": str(results)},
                         capture_output=True, text=True, timeout=seconds + 120)
    log = workdir / "wrk.log"
    with open(log, "a") as f:
        f.write(f"$ {' '.join(args)}\n{out.stdout}{out.stderr}\n")
    lines = [line for line in out.stdout.splitlines() if line.startswith("ZJTX_WRK ")]
    if out.returncode != 0 or not lines or not results.exists():
        raise SystemExit(f"wrk exited with {out.returncode} without a summary; see {log}")
    summary = json.loads(lines[-1].removeprefix("ZJTX_WRK "))
    summary["records"] = [(kind, 0.0, float(ms), ok == "1")
                          for kind, ms, ok in (line.split("\t") for line in results.read_text().splitlines())]
    return summary


def run_wrk(port: int, username: str, plan: list, *, users: int, seconds: int, warmup: int,
            workdir: Path, server: Gunicorn, db: str) -> dict:
    """The same sessions and plan as with locust, driven by wrk (benchmarks/web_wrk.lua):
    a warm-up run, not counted, then the measured run with the CPU meter around it."""
    sessions = _sessions(port, username, plan, users)
    for kind, path, marker in plan:
        # wrk sends the path as it is: it must already be percent-encoded ASCII, and
        # no field may break the tab-separated lines.
        if not path.isascii() or any(c in f for f in (kind, path, marker) for c in "\t\r\n"):
            raise SystemExit(f"plan entry not fit for wrk: {kind} {path!r} {marker!r}")
    plan_file = workdir / f"plan-{username}.tsv"
    sessions_file = workdir / f"sessions-{username}.tsv"
    plan_file.write_text("".join(f"{kind}\t{path}\t{marker}\n" for kind, path, marker in plan),
                         encoding="utf-8")
    # Each session starts from its own offset in the plan, drawn as web_locust.py draws it.
    sessions_file.write_text("".join(f"{cookie}\t{random.Random(cookie).randrange(len(plan))}\n"
                                     for cookie in sessions))
    script_env = {"ZJTX_WRK_PLAN": str(plan_file), "ZJTX_WRK_SESSIONS": str(sessions_file)}
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    warm = _wrk(port, script_env, users=users, seconds=warmup, workdir=workdir) if warmup > 0 else {"requests": 0}
    meter = CpuMeter(server.proc.pid, db)
    drained = wait_idle(meter)
    busy0 = _cpu_busy()
    meter.start()
    meter.ready.wait()
    summary = _wrk(port, script_env, users=users, seconds=seconds, workdir=workdir)
    server_cpu = meter.stop()
    busy1 = _cpu_busy()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after_children.ru_utime + after_children.ru_stime
               - before_children.ru_utime - before_children.ru_stime)
    return {
        "summary": summary,
        "records": summary["records"],
        "seconds": summary["duration_s"],
        "server_cpu": server_cpu,
        "metered": summary["requests"],
        "cpu_busy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        "load_cpu_s": wrk_cpu,
        "all_requests": warm["requests"] + summary["requests"],
        "wall_s": time.time() - started - drained,
        "drained_s": drained,
    }


def summarise(run: dict) -> dict[str, dict]:
    by_kind: dict[str, list] = {}
    for kind, _, ms, ok in run["records"]:
        by_kind.setdefault(kind, []).append((ms, ok))
    by_kind["overall"] = [(ms, ok) for _, _, ms, ok in run["records"]]
    out = {}
    for kind in [*MIX, "overall"]:
        rows = by_kind.get(kind, [])
        ms = np.array([m for m, _ in rows]) if rows else np.array([0.0])
        out[kind] = {
            "requests": len(rows),
            "errors": sum(1 for _, ok in rows if not ok),
            "rps": len(rows) / run["seconds"],
            "p50": float(np.percentile(ms, 50)),
            "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)),
            "max": float(ms.max()),
        }
    return out


def table(stats: dict[str, dict]) -> str:
    lines = ["| kind | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, s in stats.items():
        label = f"**{kind}**" if kind == "overall" else kind
        lines.append(f"| {label} | {s['requests']:,} | {s['errors']:,} | {s['rps']:.1f} | {s['p50']:.0f} | "
                     f"{s['p95']:.0f} | {s['p99']:.0f} | {s['max']:.0f} |")
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="enterprises")
    parser.add_argument("--users", type=int, default=20, help="concurrent sessions (no think time)")
    parser.add_argument("--seconds", type=int, default=60, help="measured seconds per mix")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load not counted, before each mix")
    parser.add_argument("--workers", default="", help="gunicorn workers, e.g. 5 or 3,5,9 (default 2 x cores + 1)")
    parser.add_argument("--roles", default="city,district", help="city, district or both")
    parser.add_argument("--load", choices=("wrk", "locust"), default="wrk",
                        help="load generator (default wrk: ≈0.1 ms of CPU a request against locust's ≈2 ms)")
    parser.add_argument("--pg-parallel", type=int, default=0, metavar="N",
                        help="max_parallel_workers_per_gather for the benchmark database (default 0: 20 "
                             "concurrent requests on 2 cores gain nothing from parallel plans, and every "
                             "backend's CPU time is then counted; the server's default is 2)")
    parser.add_argument("--keep", action="store_true", help="leave the scratch database")
    parser.add_argument("--reuse", metavar="DB", help="a database kept by --keep: migrate it, skip the load")
    parser.add_argument("--markdown", metavar="FILE", help="also write the report to FILE")
    args = parser.parse_args()
    if args.users < 1 or args.seconds < 1 or args.users > 200 or args.seconds > 1800:
        parser.error("--users 1..200 and --seconds 1..1800")
    if args.load == "wrk" and not Path(WRK).exists():
        parser.error(f"{WRK} not found: install wrk (apt-get install wrk) or use --load locust")
    workers = [int(w) for w in args.workers.split(",") if w] or [2 * (os.cpu_count() or 1) + 1]
    roles = [r for r in args.roles.split(",") if r in ACCOUNTS]

    db = args.reuse or f"zjtx_bench_web_{os.getpid()}"
    with psycopg.connect(SERVER) as conn:
        pg_version = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
    report = [f"## benchmarks/web.py, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", "",
              "Command: `.venv/bin/python benchmarks/web.py " + " ".join(sys.argv[1:]) + "`", "",
              machine(pg_version), ""]
    workdir = Path(tempfile.mkdtemp(prefix="zjtx-web-bench-"))
    if not args.reuse:
        create_database(db)
    final = None
    try:
        setup_django(db)
        from django.core.management import call_command
        from django.db import connection

        from zjtx.registry import models

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t
        if args.reuse:
            counts = {"enterprises": models.Enterprise.objects.count(),
                      "recognitions": models.Recognition.objects.count(),
                      "milestones": models.ListingMilestone.objects.count(),
                      "investors": models.Investor.objects.count(),
                      "investments": models.Investment.objects.count()}
            load_s = 0.0
        else:
            t = time.perf_counter()
            counts = load(args.n)
            load_s = time.perf_counter() - t
        with connection.cursor() as c:  # this database only; sessions opened from now on
            c.execute(f'ALTER DATABASE "{db}" SET max_parallel_workers_per_gather = {int(args.pg_parallel)}')
        t = time.perf_counter()
        vacuum_analyze()
        analyze_s = time.perf_counter() - t
        make_accounts()
        from django.utils import timezone

        today = timezone.localdate()
        valid = models.Recognition.objects.filter(announced_on__lte=today, valid_to__gte=today)
        n = counts["enterprises"]
        report += [
            "### Data", "",
            f"Database `{db}`{' (reused)' if args.reuse else ''}: migrate {migrate_s:.1f} s, load (COPY) "
            f"{load_s:.1f} s, VACUUM ANALYZE {analyze_s:.1f} s. No history rows.", "",
            "| table | rows |", "| --- | ---: |",
            *[f"| {k} | {v:,} |" for k, v in counts.items()],
            *[f"| valid today ({today}): {t} | {valid.filter(tier=t).values('enterprise').distinct().count():,} "
              "enterprises |" for t in ("innovative", "city", "provincial", "national")],
            f"| district {DISTRICT}: enterprises | "
            f"{models.Enterprise.objects.filter(fiscal_home__code=DISTRICT).count():,} |", "",
            "Mix (per cent of requests): " + ", ".join(f"{k} {v}" for k, v in MIX.items())
            + f"; list pages 1..{PAGES}. {args.users} users, no think time, {args.warmup} s warm-up not counted, "
            f"{args.seconds} s measured per mix; load by {args.load}.", "",
        ]
        plans = {role: plan_requests(ACCOUNTS[role]) for role in roles}
        connection.close()
        for w in workers:
            server = Gunicorn(db, w, workdir / "gunicorn.log")
            try:
                report += [f"### gunicorn, {w} workers", "",
                           f"`gunicorn {server.config}`, env ZJTX_DEBUG=0, ZJTX_SECRET_KEY=(random), "
                           f"ZJTX_ALLOWED_HOSTS={HOST}, ZJTX_SSL_REDIRECT=0, ZJTX_SECURE_COOKIES=0 "
                           "(plain HTTP on loopback), CONN_MAX_AGE 60 s; PostgreSQL as installed "
                           f"(shared_buffers, work_mem, jit at their defaults) but max_parallel_workers_per_gather="
                           f"{args.pg_parallel} for this database.", ""]
                for role in roles:
                    run = (run_wrk if args.load == "wrk" else run_locust)(
                        server.port, ACCOUNTS[role], plans[role], users=args.users, seconds=args.seconds,
                        warmup=args.warmup, workdir=workdir, server=server, db=db)
                    stats = summarise(run)
                    n_metered = max(1, run["metered"])
                    web_ms = 1000 * run["server_cpu"]["gunicorn"] / n_metered
                    pg_ms = 1000 * run["server_cpu"]["postgres"] / n_metered
                    load_ms = 1000 * run["load_cpu_s"] / max(1, run["all_requests"])
                    load_share = run["load_cpu_s"] / max(1e-9, run["wall_s"]) / (os.cpu_count() or 1)
                    capacity = 1000 * (os.cpu_count() or 1) / (web_ms + pg_ms + load_ms)
                    notes = []
                    if args.load == "wrk":
                        w = run["summary"]
                        socket_errors = ", ".join(f"{k} {v}" for k, v in w["socket_errors"].items())
                        stats["overall"]["errors"] += sum(w["socket_errors"].values())  # no response, no row
                        notes = [f"wrk: latencies timed by web_wrk.lua (wrk's own p95, corrected for coordinated omission: "
                                 f"{w['wrk_latency_ms']['p95']:.0f} ms). Errors: socket ({socket_errors}), "
                                 f"not 200 {w['status_errors']}, not the page asked for {w['marker_errors']} "
                                 f"(of which the login form {w['login_form']})"
                                 + (f"; first: {w['first_error']}" if w["first_error"] else "")
                                 + f". Between the runs the server took {run['drained_s']:.1f} s to finish "
                                 "the warm-up's last requests (not metered).", ""]
                    report += [f"#### {role} ({ACCOUNTS[role]})", "", table(stats), "", *notes,
                               f"CPU time per request: gunicorn {web_ms:.1f} ms + PostgreSQL {pg_ms:.1f} ms "
                               f"(+ {args.load} ≈{load_ms:.2f} ms, {load_share:.1%} of the cores over its run); "
                               f"these {os.cpu_count()} cores, if nothing else ran, would serve at most "
                               f"≈{capacity:.0f} req/s of this mix. Both cores busy {run['cpu_busy']:.0%} of the "
                               "measured window (other processes included).", ""]
                    print("\n".join(report[-6 - len(notes):]), flush=True)
                    if final is None and role == "city":
                        o = stats["overall"]
                        final = (f"web n={n} users={args.users} p95_ms={o['p95']:.0f} p50_ms={o['p50']:.0f} "
                                 f"rps={o['rps']:.1f} errors={o['errors']}")
            finally:
                server.stop()
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep or args.reuse:
            print(f"kept database {db}: ZJTX_DATABASE_URL={_server_url(db)}", file=sys.stderr)
            print(f"kept the run's files (plans, logs, latencies): {workdir}", file=sys.stderr)
        else:
            drop_database(db)
            shutil.rmtree(workdir, ignore_errors=True)
    text = "\n".join(report)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", encoding="utf-8")
    print()
    print(text)
    print()
    if final:
        print(final)


if __name__ == "__main__":
    main()
