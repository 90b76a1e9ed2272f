"""The `zjtx` command.

`zjtx evaluate …` runs the rules engine on a facts file and never loads Django,
so that a policy officer can check a case without a database. Every other
subcommand is a Django management command (migrate, runserver, createsuperuser …).
"""

from __future__ import annotations

import os
import sys

HELP = """\
用法 / usage: zjtx <命令 command> [参数 options]

  zjtx evaluate CASE.yaml [--json] [--as-of DATE]
      按事实文件计算奖补（不需要数据库），格式见 docs/facts-format.md
      evaluate a facts file with the rules engine (no database needed)

  zjtx <Django 命令>
      其余命令均为 Django 管理命令，例如 migrate、createsuperuser、runserver、check
      any other command is a Django management command;
      `zjtx help` lists them, `zjtx help COMMAND` explains one
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(HELP, end="")
        return 0
    if args[0] == "evaluate":
        # Imported here so that evaluating a case never imports or configures Django.
        from zjtx.policy.cli import main as evaluate

        return evaluate(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zjtx.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zjtx", *args])  # exits non-zero by itself on error
    return 0


if __name__ == "__main__":
    sys.exit(main())
