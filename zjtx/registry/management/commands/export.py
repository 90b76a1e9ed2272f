"""zjtx export KIND FILE: a registry list as xlsx with the import headings."""

from django.core.management.base import BaseCommand

from zjtx.registry.imports.columns import SPECS
from zjtx.registry.imports.exports import write_export


class Command(BaseCommand):
    help = "导出登记信息为 xlsx（与导入模板相同的表头，可直接再导入）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(SPECS), help="导出类型 KIND")
        parser.add_argument("file", help="要生成的 .xlsx 文件")

    def handle(self, *args, kind, file, **options):
        n = write_export(kind, file)
        self.stdout.write(f"已导出{SPECS[kind].title}{n}行：{file}")
