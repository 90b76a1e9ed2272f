"""Inserting many new registry rows and their history entries fast.

Django's bulk_create prepares every value through the SQL compiler field by field;
on a 100,000-row recognitions list (400,000 rows with the history) that was 80 %
of the import's time. Here each column's adapter is chosen once and rows go in as
multi-row INSERTs that return the new ids (SQLite ≥ 3.35) or by COPY with ids
drawn from the sequence (PostgreSQL), each followed by its history rows, written
as django-simple-history writes them ("+" or "~", date, user, reason). Updates of
existing rows go through the ORM's bulk_update (kinds.Handler.write); their
history entries come here too."""

from __future__ import annotations

import functools
import sqlite3

from django.db import connection, models

_PASS_THROUGH = (models.CharField, models.TextField, models.BooleanField, models.IntegerField,
                 models.ForeignKey)
ROWS_PER_STATEMENT = 1000


class RowWriter:
    def __init__(self, *, user, when, reason: str):
        self.history = {"history_date": when, "history_change_reason": reason,
                        "history_user_id": getattr(user, "pk", None)}
        self.when = when
        self._deferred: list = []

    def create(self, model: type[models.Model], rows: list[dict], *, ids: list[int] | None = None) -> list[int]:
        """Insert rows (attname → value; missing fields take their default) and one
        history entry each; set and return their new ids (or use `ids` reserved)."""
        if not rows:
            return []
        for row in rows:
            for f in _auto_now(model):
                row.setdefault(f, self.when)
        ids = _insert(model, rows, returning=True, ids=ids)
        for row, pk in zip(rows, ids, strict=True):
            row[model._meta.pk.attname] = pk
        self._history(model, rows, "+")
        return ids

    def create_later(self, model: type[models.Model], rows: list[dict]) -> list[int] | None:
        """PostgreSQL: reserve the rows' ids now and insert them at finish(), after the
        rows that refer to them (foreign keys are checked at commit there). None
        elsewhere: the caller creates them at once."""
        if connection.vendor != "postgresql" or not rows:
            return None
        ids = _reserve_ids(model, len(rows))
        self._deferred.append((model, rows, ids))
        return ids

    def finish(self) -> None:
        for model, rows, ids in self._deferred:
            self.create(model, rows, ids=ids)
        self._deferred.clear()

    def record_changes(self, model: type[models.Model], objs: list[models.Model]) -> None:
        """One "~" history entry for each changed record (saved already), whole rows."""
        tracked = [f.attname for f in model.history.model.tracked_fields]
        self._history(model, [{a: getattr(o, a) for a in tracked} for o in objs], "~")

    def _history(self, model, rows: list[dict], history_type: str) -> None:
        history_model = model.history.model
        tracked = [f.attname for f in history_model.tracked_fields]
        _insert(history_model, [{**{a: row[a] for a in tracked if a in row}, **self.history,
                                 "history_type": history_type} for row in rows], returning=False)


def _auto_now(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]


@functools.cache
def _columns(model, vendor: str):
    """(attname, column, default, adapter or None) of each column an INSERT gives,
    for a database vendor (a value is adapted differently for SQLite and PostgreSQL)."""
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key and isinstance(f, models.AutoField | models.BigAutoField):
            continue
        adapt = None if isinstance(f, _PASS_THROUGH) else _memo(f.get_db_prep_save)
        out.append((f.attname, f.column, f.get_default(), adapt))
    return out


def _memo(prepare):
    """One column's adapter, remembering the last values seen: an import's rows share
    a timestamp (its history date) and a few thousand dates."""
    seen: dict = {}

    def adapt(value):
        try:
            return seen[value]
        except TypeError:  # a JSON list or dict: nothing to remember
            return prepare(value, connection)
        except KeyError:
            if len(seen) > 10_000:
                seen.clear()
            seen[value] = prepared = prepare(value, connection)
            return prepared
    return adapt


def _max_params() -> int:
    try:  # SQLite ≥ 3.32 allows 32766; Django assumes the old 999
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:
        return connection.features.max_query_params or 999


def _values(cols, row) -> list:
    out = []
    for attname, _, default, adapt in cols:
        value = row.get(attname, default)
        out.append(adapt(value) if adapt is not None and value is not None else value)
    return out


def _insert(model, rows: list[dict], *, returning: bool, ids: list[int] | None = None) -> list[int]:
    connection.ensure_connection()
    cols = _columns(model, connection.vendor)
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c[1]) for c in cols)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(cols)) + ")"
    tail = f" RETURNING {qn(model._meta.pk.column)}" if returning else ""
    # The driver's cursor, not Django's debug wrapper: with DEBUG on, that wrapper
    # formats every statement with all its parameters for connection.queries.
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            return _copy(model, cols, rows, returning=returning, ids=ids)
        if ids is not None:
            raise NotImplementedError("reserved ids are a PostgreSQL path (RowWriter.create_later)")
        ids = []
        per = max(1, min(ROWS_PER_STATEMENT, _max_params() // len(cols)))
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor
            for start in range(0, len(rows), per):
                batch = rows[start:start + per]
                params = [v for row in batch for v in _values(cols, row)]
                cursor.execute(head + ", ".join([one] * len(batch)) + tail, params)
                if returning:
                    ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _reserve_ids(model, n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, n])
        return [r[0] for r in cursor.fetchall()]


def _copy(model, cols, rows: list[dict], *, returning: bool, ids: list[int] | None) -> list[int]:
    """PostgreSQL: COPY, ten times faster than INSERTs here; the new ids are taken
    from the table's sequence first, so that they are known without RETURNING."""
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    names = [c[1] for c in cols]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if returning:
            ids = ids or _reserve_ids(model, len(rows))
            names = [pk, *names]
        else:
            ids = []
        with cursor.copy(f"COPY {qn(table)} ({', '.join(qn(n) for n in names)}) FROM STDIN") as copy:
            if returning:
                for pk_value, row in zip(ids, rows, strict=True):
                    copy.write_row([pk_value, *_values(cols, row)])
            else:
                for row in rows:
                    copy.write_row(_values(cols, row))
    return ids


def insert_rows(model: type[models.Model], rows: list[dict], *, returning: bool = True) -> list[int]:
    """Insert rows (attname → value; a missing field takes its default, so auto_now
    fields must be given) without history, fast: COPY on PostgreSQL, multi-row
    INSERTs on SQLite. Returns the new ids when `returning`. Used for the scan's
    entitlements, claims and notices too, tens of thousands on a first scan."""
    return _insert(model, rows, returning=returning) if rows else []
