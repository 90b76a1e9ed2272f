import sys

from django.core.management.base import BaseCommand

from zjtx.fulfilment.scan import run_scan


class Command(BaseCommand):
    help = "免申即享：按政策规则扫描企业库，登记应享奖励并生成待确认的申领"

    def handle(self, *args, **options):
        def progress(done, total):
            sys.stderr.write(f"\r扫描 {done}/{total}")
            sys.stderr.flush()

        report = run_scan(progress=progress if sys.stderr.isatty() else None)
        self.stdout.write(report.line())
