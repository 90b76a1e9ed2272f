from django.core.management.base import BaseCommand, CommandError

from zjtx.fulfilment.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份文件恢复整个数据库和证明材料（会清空当前数据）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="确认清空当前数据库并恢复")

    def handle(self, *args, file, yes, **options):
        if not yes:
            raise CommandError("恢复会清空当前数据库；确认请加 --yes")
        try:
            n = restore(file)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"restore: {int(n)} objects and {n.files} files restored from {file}")
