"""`zjtx evaluate CASE.yaml [--json] [--as-of DATE] [--trace]` — no database needed.

A file that does not follow the format is refused with exit status 2 and a message
on standard error naming the entry and key; nothing is printed on standard output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import unicodedata

from .engine import evaluate_case
from .facts import FactsError, load_document, read_case
from .money import fmt_cn
from .rules.common import PART_NAMES


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors also exit 2, on stderr
        self.print_usage(sys.stderr)
        print(f"zjtx evaluate: 错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="zjtx evaluate",
                description="按政策规则计算一个事实文件（YAML 或 JSON）的奖励与不予奖励事项。")
    p.add_argument("case", help="事实文件（docs/facts-format.md）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果（含计算过程 trace）")
    p.add_argument("--as-of", metavar="YYYY-MM-DD",
                   help="忽略该日期之后的事件（历史事实不受影响）")
    p.add_argument("--trace", action="store_true", help="表格输出时同时列出每一行的计算过程")
    return p


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_table(result, case, with_trace: bool) -> str:
    parts = []
    if result.lines:
        rows = [["事件", "条款", "事项", "受奖主体", "年度", "金额（元）", "资金分担"]]
        for line in result.lines:
            split = "，".join(f"{PART_NAMES[k]} {fmt_cn(v)}" for k, v in line.funding.items() if v)
            rows.append([line.event, f"第{line.article}条", case.pack.items[line.item]["label"],
                         f"{case.party_name(line.payee)}（{line.payee}）", str(line.attribution_year),
                         fmt_cn(line.amount).removesuffix(" 元"), split])
        parts.append("奖励明细\n" + _table(rows))
        if with_trace:
            for line in result.lines:
                parts.append(f"[{line.event}] 计算过程\n" + "\n".join(f"  · {s}" for s in line.trace))
    else:
        parts.append("奖励明细：无")
    if result.rejected:
        rows = [["事件", "原因代码", "说明"]] + [[r.event, r.reason, r.message] for r in result.rejected]
        parts.append("不予奖励\n" + _table(rows))
        if with_trace:
            for r in result.rejected:
                parts.append(f"[{r.event}] 判断过程\n" + "\n".join(f"  · {s}" for s in r.trace))
    totals = result.totals_by_payee()
    if totals:
        rows = [["受奖主体", "合计（元）"]] + [
            [f"{case.party_name(p)}（{p}）", fmt_cn(v).removesuffix(" 元")] for p, v in totals.items()]
        parts.append("按受奖主体合计\n" + _table(rows))
    return "\n\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        as_of = None
        if args.as_of is not None:
            try:
                as_of = dt.date.fromisoformat(args.as_of)
            except ValueError:
                raise FactsError(f"--as-of：应为日期 YYYY-MM-DD，实际为 {args.as_of!r}") from None
        try:
            doc = load_document(args.case)
        except OSError as e:
            raise FactsError(f"无法读取文件 {args.case}：{e.strerror or e}") from None
        case = read_case(doc, as_of=as_of)
        result = evaluate_case(case)
    except FactsError as e:
        print(f"zjtx evaluate: {args.case}: {e}", file=sys.stderr)
        return 2
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_table(result, case, args.trace))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
