from django.core.management.base import BaseCommand, CommandError

from zjtx.fulfilment.backup import backup


class Command(BaseCommand):
    help = "备份整个数据库到一个文件（gzip 压缩的 JSON）"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            n = backup(file)
        except OSError as e:
            raise CommandError(f"无法写入 {file}：{e}") from None
        self.stdout.write(f"backup: {n} objects written to {file}")
