"""Queries of the meeting room's hot path, compiled once per process: a get by primary key
(`PreparedGet`) and an update of named fields (`save_fields`).

Every meeting command loads the meeting with its hall and people (`selectors.load_meeting`).
Django compiles a queryset to SQL on every execution, and for a query with five joins that
compiling costs more than running it: about 1 ms of CPU per command on the development machine,
a third of a `set_checkin` (docs/benchmarks.md, "Fan-out"). `PreparedGet` compiles the query once
per database (with a placeholder primary key), keeps the SQL and the row → instances recipe
Django derives from it (`select`, `klass_info`, converters, related populators — the same steps
`ModelIterable` takes), and then only executes the SQL. The instances are what the queryset
would return (tests/deliberation/meetings/test_meeting_prepared.py compares them field by field).

Anything unexpected in the compiled query (a parameter other than the placeholder, composite
fields) makes it fall back to the queryset, so the result never differs, only the cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

_PLACEHOLDER = -7_654_321  # a primary key no row has; the only parameter of the query


class _Recipe:
    __slots__ = ("converters", "end", "fields", "init_list", "populators", "sql", "start")

    def __init__(self, compiler, sql: str, db: str) -> None:
        select, klass_info = compiler.select, compiler.klass_info
        self.sql = sql
        self.fields = [s[0] for s in select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(self.fields)
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, db)


class PreparedGet:
    """`make(pk).get()`, with the SQL compiled once per database and locking mode."""

    def __init__(self, model: type[Model], make: Callable[[Any], QuerySet]) -> None:
        self.model = model
        self.make = make  # pk → a queryset of at most one row, filtered by that pk only
        self._recipes: dict[tuple[str, str], _Recipe | None] = {}

    def get(self, pk: Any) -> Model:
        db = router.db_for_read(self.model)
        connection = connections[db]
        key = (db, connection.vendor)
        recipe = self._recipes.get(key, self)  # `self`: not tried yet
        if recipe is self:
            recipe = self._recipes[key] = self._prepare(db)
        if recipe is None:
            return self.make(pk).get()
        with connection.cursor() as cursor:
            cursor.execute(recipe.sql, [pk])
            rows = cursor.fetchall()
        if not rows:
            name = self.model._meta.object_name
            raise self.model.DoesNotExist(f"{name} matching query does not exist.")
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"get() returned {len(rows)} rows")
        row = rows[0]
        if recipe.converters:
            row = next(iter(_apply(connection, recipe, rows)))
        obj = self.model.from_db(db, recipe.init_list, row[recipe.start : recipe.end])
        for populator in recipe.populators:
            populator.populate(row, obj)
        return obj

    def _prepare(self, db: str) -> _Recipe | None:
        compiler = self.make(_PLACEHOLDER).query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        if (
            list(params) != [_PLACEHOLDER]
            or compiler.annotation_col_map
            or compiler.has_composite_fields(fields)
        ):
            return None
        return _Recipe(compiler, sql, db)


def _apply(connection, recipe: _Recipe, rows):
    """Django's `SQLCompiler.apply_converters`, for rows of this recipe."""
    converters = list(recipe.converters.items())
    for row in rows:
        row = list(row)
        for pos, (convs, expression) in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        yield row


_UPDATES: dict[tuple, tuple[str, list] | None] = {}


def save_fields(obj: Model, *names: str) -> None:
    """`obj.save(update_fields=names)` for a row that exists, without compiling a queryset.

    The `UPDATE table SET a = %s, b = %s WHERE pk = %s` statement is written out once per model,
    fields and database. Each field's `pre_save` (e.g. `auto_now`) and `get_db_prep_save` apply
    as in `save()`; no `pre_save`/`post_save` signal is sent (the meeting models have no
    receivers). A field with its own SQL placeholder falls back to `save()`.
    """
    model = type(obj)
    db = router.db_for_write(model, instance=obj)
    connection = connections[db]
    key = (model, names, db, connection.vendor)
    if key not in _UPDATES:
        _UPDATES[key] = _prepare_update(model, names, connection)
    entry = _UPDATES[key]
    if entry is None:
        obj.save(update_fields=list(names))
        return
    sql, fields = entry
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    params.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            from django.db import DatabaseError

            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = db


def _prepare_update(model: type[Model], names: tuple[str, ...], connection):
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    if any(
        not f.concrete or f.primary_key or f.many_to_many or hasattr(f, "get_placeholder")
        for f in fields
    ):
        return None
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = model._meta.pk
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    return sql, fields
