"""zjtx import-template KIND FILE: the xlsx template of an import, with its 填写说明."""

from django.core.management.base import BaseCommand

from zjtx.registry.imports.columns import SPECS
from zjtx.registry.imports.exports import write_template


class Command(BaseCommand):
    help = "生成导入模板（xlsx：表头、示例行和“填写说明”工作表）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(SPECS), help="导入类型 KIND")
        parser.add_argument("file", help="要生成的 .xlsx 文件")

    def handle(self, *args, kind, file, **options):
        write_template(kind, file)
        self.stdout.write(f"已生成{SPECS[kind].title}导入模板：{file}")
