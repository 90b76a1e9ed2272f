"""One request at a time: where the enterprise pages spend their time.

    .venv/bin/python benchmarks/web_profile.py --db zjtx_web_bench_...   # kept by web.py --keep
    .venv/bin/python benchmarks/web_profile.py --db ... --profile '/enterprises/?q=耐火材料'

For each URL (as the city admin and the 涧西区 official of benchmarks/web.py): the
best of --repeat runs of wall time, the process's CPU time and the SQL time (from a
`connection.execute_wrapper`), with production settings (DEBUG off, the cached
template loader) and Django's test client. --profile prints a pyinstrument profile
of one URL (pip install pyinstrument; not a dependency of the project).
Figures only: the load test is web.py.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

URLS = [
    "/registry/enterprises/",
    "/registry/enterprises/?page=7",
    "/registry/enterprises/?q=晟铭",
    "/registry/enterprises/?q=耐火材料",
    "/registry/enterprises/?q=91410305MA",
    "/registry/enterprises/?q=瑞锦恒昱",
    "/registry/enterprises/?tier=provincial",
    "/registry/enterprises/?tier=national&page=5",
    "/registry/enterprises/?jurisdiction=410305&tier=city",
    "/registry/enterprises/?industry=新材料&status=none",
    "/registry/enterprises/?sort=-recognized",
    "/registry/enterprises/?sort=jurisdiction&page=3",
    "/registry/enterprises/?sort=uscc",
]


def _logged(log, execute, sql, params, many, context):
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        log.append(((time.perf_counter() - start) * 1000, sql % tuple(repr(p) for p in params or ())
                    if not many else sql))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a database kept by benchmarks/web.py --keep")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--user", default="bench_city_admin")
    parser.add_argument("--profile", metavar="URL")
    parser.add_argument("--queries", metavar="URL", help="print each SQL query of one request with its time")
    args = parser.parse_args()
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "zjtx.settings", "ZJTX_DEBUG": "0",
        "ZJTX_DATABASE_URL": f"postgres://{os.environ.get('USER', 'root')}@127.0.0.1:5432/{args.db}",
        "ZJTX_SECRET_KEY": secrets.token_urlsafe(50), "ZJTX_ALLOWED_HOSTS": "testserver",
        "ZJTX_SSL_REDIRECT": "0", "ZJTX_SECURE_COOKIES": "0",
    })
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from zjtx.registry.models import Enterprise

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.user))
    sql_ms = [0.0]
    queries = [0]

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_ms[0] += (time.perf_counter() - start) * 1000
            queries[0] += 1

    pk = Enterprise.objects.order_by("pk").values_list("pk", flat=True)[12345]
    urls = [args.profile] if args.profile else [*URLS, f"/registry/enterprises/{pk}/"]
    if args.queries:
        client.get(args.queries)
        log = []
        with connection.execute_wrapper(lambda execute, sql, params, many, context: _logged(
                log, execute, sql, params, many, context)):
            client.get(args.queries)
        for ms, sql in log:
            print(f"{ms:7.2f} ms  {sql[:400]}")
        return
    if args.profile:
        from pyinstrument import Profiler

        client.get(args.profile)
        with Profiler(interval=0.0005) as profiler:
            for _ in range(args.repeat):
                assert client.get(args.profile).status_code == 200
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("SHOW_ALL"))))
        return
    print(f"| request ({args.user}) | wall ms | CPU ms | SQL ms | queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with connection.execute_wrapper(timed):
        for url in urls:
            best = None
            for _ in range(args.repeat):
                sql_ms[0], queries[0] = 0.0, 0
                wall, cpu = time.perf_counter(), time.process_time()
                status = client.get(url).status_code
                figures = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000,
                           sql_ms[0], queries[0])
                if status != 200:
                    raise SystemExit(f"{url}: HTTP {status}")
                best = figures if best is None or figures[0] < best[0] else best
            print(f"| `{url}` | {best[0]:.1f} | {best[1]:.1f} | {best[2]:.1f} | {best[3]} |")


if __name__ == "__main__":
    main()
