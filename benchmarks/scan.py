"""Benchmark of 免申即享 at a province's scale (issue 10): the scan of N enterprises
(default 200,000) on PostgreSQL — a first scan, a scan that finds nothing new,
and one change (an import of one new recognition, until its claim exists).

    .venv/bin/python benchmarks/scan.py                 # n=200000 on PostgreSQL
    .venv/bin/python benchmarks/scan.py --n 20000
    .venv/bin/python benchmarks/scan.py --sqlite        # the same on a scratch SQLite file

The registry is loaded as benchmarks/web.py loads it (COPY on PostgreSQL; the same
rows by bulk_create on SQLite): enterprises over every jurisdiction, recognitions in
all four tiers with 复核 renewals, listing milestones, investors and investments.
Each phase runs in this process; `peak_mb` is the process's peak resident set
(ru_maxrss) after the loading, measured as the largest growth over the resident
set before the first scan (the loading itself is not counted).

The last line reads `scan n=… first_s=… unchanged_s=… one_change_s=… peak_mb=…`.
Goals: first < 20 s, unchanged < 5 s, one change < 1 s, peak < 1 GB; on SQLite
within 2×.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import web  # noqa: E402  (the loader and the scratch database of the web benchmark)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_sqlite(n: int) -> dict[str, int]:
    """The web benchmark's rows, written with bulk inserts (SQLite has no COPY)."""
    from django.db import connection

    class Cursor:
        def __init__(self, cursor):
            self.cursor = cursor

        def copy(self, sql):
            table, cols = sql.split("COPY ", 1)[1].split(" FROM")[0].split(" (", 1)
            return Copy(self.cursor, table, cols.rstrip(")"))

        def execute(self, sql, *a):
            if "setval" in sql:
                return None
            return self.cursor.execute(sql, *a)

        def __getattr__(self, name):  # the ORM's own use of the cursor
            return getattr(self.cursor, name)

        def __iter__(self):
            return iter(self.cursor)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.cursor.close()

    class Copy:
        def __init__(self, cursor, table, cols):
            self.cursor, self.table, self.cols, self.rows = cursor, table, cols, []

        def write_row(self, row):
            self.rows.append(row)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            marks = ", ".join(["%s"] * len(self.cols.split(",")))
            self.cursor.executemany(f"INSERT INTO {self.table} ({self.cols}) VALUES ({marks})", self.rows)

    real = connection.cursor
    connection.cursor = lambda: Cursor(real())
    try:
        return web.load(n)
    finally:
        connection.cursor = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="enterprises")
    parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite database instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    db = f"zjtx_bench_scan_{os.getpid()}"
    tmp = None
    if args.sqlite:
        tmp = tempfile.mkdtemp(prefix="zjtx-scan-")
        os.environ["ZJTX_DATABASE_URL"] = f"sqlite:///{tmp}/scan.sqlite3"
        os.environ.setdefault("ZJTX_DEBUG", "0")
        os.environ.setdefault("ZJTX_SECRET_KEY", __import__("secrets").token_urlsafe(50))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zjtx.settings")
        sys.path.insert(0, str(web.ROOT))
        import django

        django.setup()
    else:
        web.create_database(db)
        web.setup_django(db)
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        t = time.perf_counter()
        counts = load_sqlite(args.n) if args.sqlite else web.load(args.n)
        if not args.sqlite:
            web.vacuum_analyze()
        print(f"loaded {counts} in {time.perf_counter() - t:.1f} s", flush=True)
        run(args.n, "SQLite" if args.sqlite else "PostgreSQL")
    finally:
        if not args.sqlite and not args.keep:
            from django.db import connections

            connections.close_all()
            web.drop_database(db)


def run(n: int, vendor: str) -> None:
    import datetime as dt

    from django.conf import settings
    from django.db import connection

    from tests.registry.imports.helpers import REC_HEADINGS, write_xlsx
    from zjtx.fulfilment.models import Claim, Entitlement
    from zjtx.fulfilment.scan import run_scan
    from zjtx.registry import models
    from zjtx.registry.imports.service import run_import

    base = rss_mb()
    t = time.perf_counter()
    first = run_scan()
    first_s = time.perf_counter() - t
    print(f"first scan: {first.line()} in {first_s:.1f} s", flush=True)
    t = time.perf_counter()
    again = run_scan()
    unchanged_s = time.perf_counter() - t
    print(f"unchanged scan: {again.line()} in {unchanged_s:.1f} s", flush=True)

    # One change: a new national recognition of an enterprise without one, imported as
    # a bureau would (a one-row list), until its claim exists.
    settings.ZJTX_AUTO_SCAN = True
    with connection.cursor() as c:
        c.execute("SELECT e.id FROM registry_enterprise e WHERE NOT EXISTS (SELECT 1 FROM registry_recognition r"
                  " WHERE r.enterprise_id = e.id AND r.tier = 'national') ORDER BY e.id LIMIT 1")
        pk = c.fetchone()[0]
    e = models.Enterprise.objects.get(pk=pk)
    path = Path(tempfile.mkdtemp(prefix="zjtx-scan-one-")) / "小巨人名单.xlsx"
    write_xlsx(path, REC_HEADINGS, [[1, e.name, e.uscc, "", "国家级专精特新“小巨人”企业", "基准", dt.date(2025, 7, 1),
                                     dt.date(2028, 6, 30)]])
    t = time.perf_counter()
    report = run_import("recognitions", path)
    found = Claim.objects.filter(entitlement__enterprise=e, entitlement__item="art1_national_little_giant").exists()
    one_change_s = time.perf_counter() - t
    print(f"one change: {report.summary_line}; {getattr(report, 'scan_line', '')}; claim exists: {found}"
          f" in {one_change_s:.2f} s", flush=True)
    grown = max(0.0, peak_mb() - base)
    print(f"entitlements: {Entitlement.objects.count()}; resident before the scans {base:.0f} MB, "
          f"process peak {peak_mb():.0f} MB ({vendor})")
    print(f"scan n={n} first_s={first_s:.2f} unchanged_s={unchanged_s:.2f} one_change_s={one_change_s:.2f} "
          f"peak_mb={grown:.0f}")


if __name__ == "__main__":
    main()
