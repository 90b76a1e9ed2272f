"""Benchmark of `zjtx import recognitions`: a 100,000-row bureau xlsx, dry run and
real run (and a re-import, which must be a no-op), on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/import.py                 # both databases, 100,000 rows
    .venv/bin/python benchmarks/import.py --rows 20000 --databases sqlite
    .venv/bin/python benchmarks/import.py --write benchmarks/RESULTS-import.md

Each run is the real command in its own process (`zjtx import …`), so the wall
time includes Django's start-up and the figures are those a bureau would see;
peak memory is that process's maximum resident set size (os.wait4). SQLite runs
on a fresh file database; PostgreSQL on a scratch database created and dropped
here (ZJTX_BENCH_POSTGRES, default postgres://root@127.0.0.1:5432/postgres, is
the server to use). Goal: under 60 s and under 1 GB for each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZJTX = str(ROOT / ".venv" / "bin" / "zjtx")
GOAL_SECONDS, GOAL_BYTES = 60, 1 << 30

HEADINGS = ["序号", "企业名称", "统一社会信用代码", "所属县区", "认定类型", "认定批次", "认定时间", "有效期至"]
DISTRICTS = ["老城区", "西工区", "瀍河区", "涧西区", "偃师区", "孟津区", "洛龙区", "新安县", "栾川县", "嵩县", "汝阳县",
             "宜阳县", "洛宁县", "伊川县", "高新区", "伊滨区", "偃师市", "孟津县", "吉利区", "洛阳市涧西区"]
AREAS = ["410302", "410303", "410304", "410305", "410307", "410308", "410311", "410323", "410324", "410325"]
TIERS = ["创新型中小企业", "市级专精特新中小企业", "省级专精特新中小企业", '国家级专精特新"小巨人"企业',
         "国家级专精特新“小巨人”企业"]
WORDS = "中信 一拖 轴研 双瑞 麦斯 百克特 北玻 卓航 隆华 建龙 洛铜 凯美 华冠 金源 新能 博智 恒泰 瑞昌 鼎盛 天宇 汇川 华夏 东方 科创".split()
TRADES = ["科技", "重工", "精密机械", "新材料", "电子", "轴承", "智能装备", "生物医药", "信息技术", "耐火材料"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(serial: int, area: str) -> str:
    from stdnum.cn import uscc

    body, n = "", serial
    for _ in range(9):
        body = CODE_CHARS[n % 31] + body
        n //= 31
    first17 = f"91{area}{body}"
    return first17 + uscc.calc_check_digit(first17)


def make_file(path: Path, rows: int, *, seed: int = 20240501) -> None:
    """A recognitions list as a bureau keeps it: date cells mostly, some dates typed
    as text, some validity dates left blank, names with the usual variants."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("认定名单")
    ws.append(["洛阳市专精特新中小企业认定名单（基准测试）"])
    ws.append(HEADINGS)
    start = dt.date(2019, 1, 1)
    for i in range(1, rows + 1):
        name = f"洛阳{rnd.choice(WORDS)}{rnd.choice(WORDS)}{rnd.choice(TRADES)}{i}{rnd.choice(FORMS)}"
        announced = start + dt.timedelta(days=rnd.randrange(0, 6 * 365))
        form = rnd.random()
        if form < 0.7:
            cell = WriteOnlyCell(ws, value=announced)
            cell.number_format = "yyyy-mm-dd"
            on = cell
        elif form < 0.8:
            on = announced.strftime("%Y/") + f"{announced.month}/{announced.day}"
        elif form < 0.9:
            on = f"{announced.year}年{announced.month}月{announced.day}日"
        else:
            on = announced.isoformat()
        valid_to = "" if rnd.random() < 0.3 else (announced.replace(year=announced.year + 3)
                                                  if announced.month != 2 or announced.day != 29
                                                  else dt.date(announced.year + 3, 2, 28)) - dt.timedelta(days=1)
        ws.append([i, name, credit_code(i, AREAS[i % len(AREAS)]), rnd.choice(DISTRICTS), rnd.choice(TIERS),
                   f"{announced.year}年第{rnd.randint(1, 3)}批", on, valid_to])
    wb.save(path)


def run(args: list[str], env: dict) -> dict:
    """Run one command in its own process: wall seconds, peak RSS, exit status, last line."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        lines = out.read().decode().splitlines()
    return {"seconds": wall, "rss": usage.ru_maxrss * 1024, "rc": os.waitstatus_to_exitcode(status),
            "last": lines[-1] if lines else ""}


def bench(database: str, url: str, path: Path) -> list[tuple[str, dict]]:
    # Production settings (DEBUG off), as a bureau's import runs.
    # The 免申即享 scan that follows a real import (ZJTX_AUTO_SCAN) is off: this measures
    # the import; the scan has its own benchmark.
    env = {**os.environ, "ZJTX_DATABASE_URL": url, "ZJTX_DEBUG": "0", "ZJTX_SECRET_KEY": "benchmark-only",
           "ZJTX_AUTO_SCAN": os.environ.get("ZJTX_AUTO_SCAN", "0")}
    subprocess.run([ZJTX, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    results = []
    for label, extra in (("dry run", ["--dry-run"]), ("real run", []), ("re-import (no-op)", [])):
        r = run([ZJTX, "import", "recognitions", str(path), "--progress", "never", *extra], env)
        print(f"  {database:10s} {label:18s} {r['seconds']:6.1f} s  {r['rss'] / 2**20:6.0f} MiB  rc={r['rc']}  {r['last']}",
              flush=True)
        results.append((label, r))
    return results


def postgres_scratch(server: str):
    import psycopg

    name = f"zjtx_bench_{os.getpid()}"
    admin = psycopg.connect(server, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    return name, server.rsplit("/", 1)[0] + "/" + name, lambda: (
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'), admin.close())


def machine() -> str:
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    return "\n".join([
        f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- nproc: {os.cpu_count()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {sh('psql --version')}",
        "", "```", sh("lscpu | head -n 15"), "", sh("free -h"), "```"])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--databases", default="sqlite,postgres")
    p.add_argument("--write", help="write the results as Markdown to this file")
    p.add_argument("--keep", help="keep the generated xlsx at this path")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="zjtx-bench-"))
    try:
        path = work / "recognitions.xlsx"
        t = time.perf_counter()
        make_file(path, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - t:.1f} s: {path.stat().st_size / 2**20:.1f} MiB")
        if args.keep:
            shutil.copy(path, args.keep)
        table = []
        for database in args.databases.split(","):
            if database == "sqlite":
                table.append(("SQLite", bench("SQLite", f"sqlite:///{work / 'bench.sqlite3'}", path)))
            elif database == "postgres":
                server = os.environ.get("ZJTX_BENCH_POSTGRES", "postgres://root@127.0.0.1:5432/postgres")
                name, url, drop = postgres_scratch(server)
                try:
                    table.append(("PostgreSQL", bench("PostgreSQL", url, path)))
                finally:
                    drop()
        ok = all(r["seconds"] < GOAL_SECONDS and r["rss"] < GOAL_BYTES and r["rc"] == 0
                 for _, runs in table for _, r in runs)
        if args.write:
            lines = [
                "# Benchmark: importing a 100,000-row recognitions list",
                "",
                f"`benchmarks/import.py --rows {args.rows}`: a generated {args.rows}-row recognitions xlsx "
                f"({path.stat().st_size / 2**20:.1f} MiB; date cells and typed dates, blank validity dates, "
                "retired district names, straight and curly quotes), imported by `zjtx import recognitions` "
                "in its own process on an empty registry: every row registers a new enterprise and its "
                "recognition, each with a history entry. Wall time includes the command's start-up; memory "
                "is the process's peak resident set. Production settings (DEBUG off); the 免申即享 scan that "
                "follows a real import is off (ZJTX_AUTO_SCAN=0: this measures the import). "
                "Goal: under 60 s and under 1 GB each.",
                "",
                "| database | run | wall (s) | peak RSS (MiB) | last line |",
                "|---|---|---:|---:|---|",
            ]
            for database, runs in table:
                for label, r in runs:
                    lines.append(f"| {database} | {label} | {r['seconds']:.1f} | {r['rss'] / 2**20:.0f} | "
                                 f"`{r['last']}` |")
            lines += ["", f"Goal met: {'yes' if ok else 'NO'}.", "", "## Machine", "", machine(), ""]
            Path(args.write).write_text("\n".join(lines), encoding="utf-8")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
