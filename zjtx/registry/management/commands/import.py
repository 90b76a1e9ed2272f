"""zjtx import KIND FILE [--dry-run]: a bureau's xlsx or csv into the registry.

Bad rows are listed as `第N行 列名：原因`; the last line of standard output is
always `import KIND: N rows, C created, U updated, E errors`, and the exit status
is non-zero when E > 0 (then nothing was written)."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zjtx.registry.imports.columns import SPECS
from zjtx.registry.imports.progress import ProgressBar
from zjtx.registry.imports.service import run_import


class Command(BaseCommand):
    help = "导入企业名录、认定名单、上市进程、股权投资或平台认定（xlsx 或 csv，模板见 zjtx import-template）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(SPECS), help="导入类型 KIND")
        parser.add_argument("file", help=".xlsx 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告将做的修改，不写入")
        parser.add_argument("--user", help="记为操作人的用户名（写入变更历史和导入记录）")
        parser.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                            help="在标准错误输出显示进度条（auto：仅在终端上）")
        # A published list as bureaus publish it (序号、企业名称、所属地区 only): its tier,
        # date and source are those of the whole list.
        parser.add_argument("--tier", help="整份名单的认定类型，如 省级专精特新中小企业（认定名单）")
        parser.add_argument("--date", help="整份名单的认定时间，如 2024-12-20（认定名单）")
        parser.add_argument("--kind", dest="recognition_kind", help="整份名单的认定方式：认定 或 复核（认定名单）")
        parser.add_argument("--batch", help="整份名单的认定批次（认定名单）")
        parser.add_argument("--source", help="整份名单的来源文件或文号，如 豫工信企业〔2024〕123号")

    def handle(self, *args, kind, file, dry_run, user=None, progress="auto", **options):
        constants = {key: options.get(opt) for key, opt in (
            ("tier", "tier"), ("announced_on", "date"), ("kind", "recognition_kind"), ("batch", "batch"),
            ("source_document", "source")) if options.get(opt)}
        if constants and kind != "recognitions" and set(constants) - {"source_document"}:
            raise CommandError("--tier、--date、--kind、--batch 只用于认定名单（recognitions）")
        account = None
        if user:
            try:
                account = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"没有用户“{user}”") from None
        try:
            open(file, "rb").close()
        except OSError as e:
            raise CommandError(f"无法打开文件“{file}”：{e.strerror}") from None
        show = progress == "always" or (progress == "auto" and sys.stderr.isatty())
        bar = ProgressBar(label=f"import {kind}", stream=self.stderr._out) if show else None
        try:
            report = run_import(kind, file, user=account, dry_run=dry_run, progress=bar, constants=constants)
        finally:
            if bar:
                bar.close()
        verbose = options.get("verbosity", 1) >= 2
        for issue in report.errors:
            self.stdout.write(str(issue))
        notices = report.notices if verbose else [n for n in report.notices if n.column in (
            "表头", "文件", "后续处理", "整份名单", "工作表")]
        for notice in notices:
            self.stdout.write(f"提示：{notice}")
        if len(report.notices) > len(notices):
            self.stdout.write(f"提示：另有{len(report.notices) - len(notices)}条提示（如有效期按三年推定），"
                              "用 -v 2 查看")
        if dry_run:
            self.stdout.write("试导入：未写入任何数据。" + ("" if report.ok else "请修改以上错误后再导入。"))
        elif not report.ok:
            self.stdout.write("文件中有错误的行，未写入任何数据。")
        if getattr(report, "scan_line", None):  # the 免申即享 scan that followed the import
            self.stdout.write(report.scan_line)
        self.stdout.write(report.summary_line)
        if not report.ok:
            raise CommandError(f"{report.error_count}行有错误", returncode=1)
