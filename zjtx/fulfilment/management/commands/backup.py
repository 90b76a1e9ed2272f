from django.core.management.base import BaseCommand, CommandError

from zjtx.fulfilment.backup import backup


class Command(BaseCommand):
    help = "备份整个数据库和上传的证明材料到一个文件（tar.gz：JSON 数据、材料文件及其 SHA-256）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="例如 zjtx-20260101.tar.gz")

    def handle(self, *args, file, **options):
        try:
            n = backup(file)
        except OSError as e:
            raise CommandError(f"无法写入 {file}：{e}") from None
        for name in n.missing:
            self.stderr.write(f"警告：数据库记录的文件不在 MEDIA_ROOT 中，未能备份：{name}")
        self.stdout.write(f"backup: {int(n)} objects and {n.files} files written to {file}")
