"""`zjtx demo`: load the synthetic Luoyang registry and the demo accounts
(logic in zjtx/registry/demo.py). Never run by a migration: demo accounts with a
published password must not exist in a production database."""

from django.core.management.base import BaseCommand, CommandError

from zjtx.registry import demo


class Command(BaseCommand):
    help = "载入洛阳市演示数据（合成企业、认定、上市、投资、平台）和各角色演示账号；重复运行不会重复载入。"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="企业库已有企业时什么也不做（make run 使用）")

    def handle(self, *args, if_empty: bool = False, **options):
        try:
            report = demo.load_demo(if_empty=if_empty)
        except demo.DemoRefused as e:
            raise CommandError(str(e)) from e
        if report.status == "loaded":
            counts = "，".join(f"{k} {v:,}" for k, v in report.counts.items())
            self.stdout.write(self.style.SUCCESS(f"已载入演示数据（{report.seconds:.1f} 秒）：{counts}。"))
        elif report.status == "already_loaded":
            self.stdout.write("演示数据此前已载入，本次未作改动。")
        else:
            self.stdout.write("企业库中已有企业，未载入演示数据。")
        rows = demo.account_rows()
        if rows:
            self.stdout.write("")
            self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}，仅供演示，切勿用于生产环境）：")
            self.stdout.write(demo.format_table(rows, ("用户名", "角色", "范围", "密码")))
