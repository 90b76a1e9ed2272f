import sys

from django.core.management.base import BaseCommand

from zjtx.fulfilment.scan import run_scan
from zjtx.registry.imports.progress import ProgressBar


class Command(BaseCommand):
    help = "免申即享：按政策规则扫描企业库，登记应享奖励并生成待确认的申领"

    def handle(self, *args, **options):
        bar = ProgressBar(label="扫描") if sys.stderr.isatty() else None
        try:
            report = run_scan(progress=bar)
        finally:
            if bar:
                bar.close()
        self.stdout.write(report.line())
