"""`run_import`: a bureau's file into the registry, all or nothing.

Every row is read and checked first (cells, districts, credit codes, who a
name-only row is about, duplicates within the file) against indexes loaded with
one query each; only a file without a single bad row is written, in one
transaction, with bulk inserts and updates and one history entry per record
created or changed. A row that matches its registered record field for field
writes nothing, so importing the same file again is a no-op."""

from __future__ import annotations

import getpass
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ..models import ImportLog
from . import kinds
from .columns import EXAMPLE_MARK, spec_for
from .reading import FileProblem, open_table
from .signals import import_finished
from .values import Bad, invisible, is_blank, visible

logger = logging.getLogger(__name__)
Progress = Callable[[str, int, int | None], None]  # (phase, done, total or None)
PROGRESS_EVERY = 1000
WRITE_BATCH = 2000

PHASE_READ = "读取并校验"
PHASE_WRITE = "写入数据库"


@dataclass(frozen=True, order=True)
class Issue:
    row: int  # 0: the file as a whole
    column: str
    message: str

    def __str__(self):
        return f"第{self.row}行 {self.column}：{self.message}" if self.row else f"{self.column}：{self.message}"


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    notices: list[Issue] = field(default_factory=list)
    written: bool = False
    log: ImportLog | None = None
    enterprise_ids: set[int] = field(default_factory=set)  # enterprises whose facts changed

    @property
    def error_count(self) -> int:
        """Bad rows (a file-level problem counts as one)."""
        return len({e.row for e in self.errors if e.row}) + sum(1 for e in self.errors if not e.row)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary_line(self) -> str:
        return (f"import {self.kind}: {self.rows} rows, {self.created} created, "
                f"{self.updated} updated, {self.error_count} errors")


def file_digest(path) -> tuple[int, str]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return Path(path).stat().st_size, h.hexdigest()


def run_import(kind: str, path, *, user=None, actor: str = "", dry_run: bool = False,
               progress: Progress | None = None, file_name: str | None = None,
               log: ImportLog | None = None, source: str = ImportLog.Source.CLI,
               constants: dict | None = None) -> ImportReport:
    """Import the file at `path` as KIND. Returns the report; writes only when the
    file has no bad row and `dry_run` is false. Every run is logged in ImportLog
    (`log` when the web page created it already). `constants` (column key → text as
    typed) set columns for the whole file: a bureau's published list of names alone,
    imported with its tier, date and source."""
    spec = spec_for(kind)
    file_name = visible(file_name or Path(path).name)
    report = ImportReport(kind=kind, file_name=file_name, dry_run=dry_run)
    size, digest = file_digest(path)
    if log is None:
        log = ImportLog.objects.create(
            kind=kind, dry_run=dry_run, source=source, user=user,
            actor=actor or (user.get_username() if user else _os_user()),
            file_name=file_name, file_size=size, file_sha256=digest)
    report.log = log
    _log_update(log, status=ImportLog.Status.RUNNING, started_at=timezone.now(), phase=PHASE_READ,
                file_size=size, file_sha256=digest)
    progress = _logging_progress(log, progress)
    try:
        handler = kinds.HANDLERS[kind](report)
        try:
            given = read_constants(kind, constants or {})
        except Bad as e:
            report.errors.append(Issue(0, "整份名单", str(e)))
            given = None
        plan = Plan() if given is None else _read_and_check(spec, handler, path, file_name, report, progress, given)
        if given:
            report.notices.insert(0, Issue(0, "整份名单", "、".join(
                f"{spec.column(k).heading}：{str(constants[k]).strip()}" for k in given) + "（文件中空白的单元格取此值）"))
        if not report.ok:  # a refused file writes nothing: it must not read as "293 created"
            report.created = report.updated = report.unchanged = 0
        if report.ok and not dry_run and (plan.creates or plan.updates):
            progress(PHASE_WRITE, 0, None)
            when = timezone.now()
            reason = f"导入{spec.title}：{file_name}（导入记录 #{log.pk}）"
            with transaction.atomic():
                handler.write(plan, user=user, when=when, reason=reason, batch=WRITE_BATCH, progress=progress)
                report.written = True
            progress(PHASE_WRITE, report.created + report.updated, report.created + report.updated)
    except Exception as e:
        _finish(log, report, status=ImportLog.Status.FAILED, message=f"{type(e).__name__}: {e}")
        raise
    if report.written:
        # After the commit, so that follow-up work (e.g. a 免申即享 scan of the enterprises
        # touched) sees the data; the command prints its summary line after this. The
        # import stands whatever a receiver does: a failure is logged and noted.
        for receiver, outcome in import_finished.send_robust(sender=ImportLog, report=report):
            if isinstance(outcome, Exception):
                logger.error("import_finished receiver %r failed", receiver, exc_info=outcome)
                report.notices.append(Issue(0, "后续处理", f"导入已完成，但后续处理失败：{outcome}"))
    status = ImportLog.Status.DONE if report.ok else ImportLog.Status.REFUSED
    _finish(log, report, status=status)
    return report


@dataclass
class Plan:
    creates: list = field(default_factory=list)  # (row, key, fields) for the handler
    updates: list = field(default_factory=list)  # (pk, changes)




def is_identifier(key: str) -> bool:
    """A column naming or coding who a row is about (and its district): no tab,
    line break or format character either (values.invisible)."""
    return key in ("name", "uscc", "district", "amac_code") or key.endswith(("_name", "_uscc"))


def read_constants(kind: str, raw: dict[str, str]) -> dict:
    """Values given for a whole file (column key → text as typed), read as the column
    reads a cell; Bad names the column."""
    spec = spec_for(kind)
    out = {}
    for key, value in raw.items():
        if value is None or not str(value).strip():
            continue
        if key not in {c.key for c in spec.columns}:
            raise Bad(f"{spec.title}没有“{key}”这一列，不能为整份名单设定")
        col = spec.column(key)
        if isinstance(value, str) and (why := invisible(value, identifier=is_identifier(key))):
            raise Bad(f"整份名单的{col.heading}{why}")
        try:
            out[key] = col.read(value)
        except Bad as e:
            raise Bad(f"整份名单的{col.heading}：{e}") from None
    return out


def _read_and_check(spec, handler, path, file_name, report: ImportReport, progress: Progress,
                    constants: dict) -> Plan:
    plan = Plan()
    try:
        with open_table(path, spec=spec, name=file_name, given=frozenset(constants)) as table:
            if table.ignored:
                report.notices.append(Issue(table.heading_row, "表头", f"以下列不属于模板，未导入：{'、'.join(table.ignored)}"))
            if table.sheet_note:
                report.notices.append(Issue(0, "工作表", table.sheet_note))
            progress(PHASE_READ, 0, table.total)
            columns = [(c, table.positions[c.key], handler.cell_readers.get(c.key, c.read), is_identifier(c.key))
                       for c in spec.columns if c.key in table.positions]
            absent = {c.key: None for c in spec.columns if c.key not in table.positions}
            seen: dict[tuple, int] = {}
            done = 0
            for number, cells in table.rows:
                done += 1
                if done % PROGRESS_EVERY == 0:
                    progress(PHASE_READ, done, table.total)
                row = dict(absent)
                failed: set[str] = set()
                filled = False
                for col, pos, read, identifier in columns:
                    raw = cells[pos] if pos < len(cells) else None
                    if is_blank(raw):
                        row[col.key] = None
                        continue
                    if col.key != "seq":
                        filled = True
                    if isinstance(raw, str) and (why := invisible(raw, identifier=identifier)):
                        # Refused here, in the dry run as in the real one: PostgreSQL refuses NUL
                        # in text, and the others break every later export (values.invisible).
                        report.errors.append(Issue(number, col.heading, why))
                        row[col.key] = None
                        failed.add(col.key)
                        continue
                    try:
                        row[col.key] = read(raw)
                    except Bad as e:
                        report.errors.append(Issue(number, col.heading, str(e)))
                        row[col.key] = None
                        failed.add(col.key)
                if not filled or row.get("seq") == EXAMPLE_MARK:
                    continue  # an empty (perhaps pre-numbered) row, or the template's example
                for key, value in constants.items():  # the whole file's tier, date, source…
                    if row.get(key) is None and key not in failed:
                        row[key] = value
                report.rows += 1
                for col, _, _, _ in columns:
                    if col.required and row[col.key] is None and col.key not in failed:
                        report.errors.append(Issue(number, col.heading, "必填，不能为空"))
                        failed.add(col.key)
                if failed:
                    continue
                try:
                    planned = handler.plan(number, row)
                except kinds.RowError as e:
                    report.errors.append(Issue(number, e.column, e.message))
                    continue
                key = planned.key
                if key in seen:
                    report.errors.append(Issue(number, planned.key_column, f"与第{seen[key]}行重复"))
                    continue
                seen[key] = number
                if planned.notice:
                    report.notices.append(Issue(number, *planned.notice))
                existing = handler.existing.get(key)
                if existing is None:
                    plan.creates.append((number, key, {**planned.fields, **planned.create_defaults}))
                    report.created += 1
                    if planned.create_notice:
                        report.notices.append(Issue(number, *planned.create_notice))
                    continue
                pk, current = existing
                changes = {f: val for f, val in planned.fields.items() if current[f] != val}
                if changes:
                    plan.updates.append((pk, handler.complete_changes(changes, current)))
                    report.updated += 1
                else:
                    report.unchanged += 1
            progress(PHASE_READ, done, done)
    except FileProblem as e:
        report.errors.append(Issue(0, "文件", str(e)))
    report.errors.sort()
    return plan


def _os_user() -> str:
    try:
        return f"命令行：{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "命令行"


NOTICES_KEPT = 10_000  # a million-row list can have a notice a row (validity presumed …)


def _kept(notices: list[Issue]) -> list:
    kept = [[n.row, n.column, n.message] for n in notices[:NOTICES_KEPT]]
    if len(notices) > NOTICES_KEPT:
        kept.append([0, "提示", f"另有 {len(notices) - NOTICES_KEPT} 条提示未保存（共 {len(notices)} 条）"])
    return kept


def _log_update(log: ImportLog, **values) -> None:
    values.setdefault("heartbeat_at", timezone.now())  # a sign of life for ImportLog.interrupted
    for k, val in values.items():
        setattr(log, k, val)
    ImportLog.objects.filter(pk=log.pk).update(**values)


def _logging_progress(log: ImportLog, outer: Progress | None) -> Progress:
    """Record progress on the log row (for the web page's polling) outside the write
    transaction only: inside it, the row's update would not be seen before the
    commit, and on SQLite would wait on the import's own lock."""
    def progress(phase: str, done: int, total: int | None) -> None:
        if log.source == ImportLog.Source.WEB and not transaction.get_connection().in_atomic_block:
            _log_update(log, phase=phase, progress_done=done, progress_total=total)
        if outer:
            outer(phase, done, total)
    return progress


def _finish(log: ImportLog, report: ImportReport, *, status: str, message: str = "") -> None:
    _log_update(
        log, status=status, finished_at=timezone.now(), rows=report.rows, created=report.created,
        updated=report.updated, unchanged=report.unchanged, error_count=report.error_count,
        errors=[[e.row, e.column, e.message] for e in report.errors],
        notices=_kept(report.notices),
        message=message or ("" if report.ok else f"文件中有 {report.error_count} 处错误，未写入任何数据（0 条新增、0 条更新）"),
        phase="", progress_done=report.rows)
