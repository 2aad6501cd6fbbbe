"""Single rows on the hot path, as plain SQL written once per model and connection.

For one row by primary key, building the query is most of what the ORM costs: on SQLite here a
`get()` took 0.29 ms where the statement and its row took 0.04, and `save(update_fields=...)`
0.22 ms where the statement took 0.07. A dialogue move runs three such statements (lock, insert,
update), and the partner's screen on another process reads the row again. These helpers run the
same statements through the same connection (its cursor wrapper, execute wrappers, error
translation and query log), with each field's own conversions to and from the database, and
leave out only the query building.

They are for models with no save() override and no signals to send: save()'s signals, the
multi-table inheritance and the field validation Django does not do on save either are not here.
"""

from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


class _Plan:
    """A model's statements and converters for one connection (one thread's)."""

    def __init__(self, model: type[Model], connection: Any) -> None:
        self.model, self.connection = model, connection
        meta, ops = model._meta, connection.ops
        quote = ops.quote_name
        fields = meta.concrete_fields
        self.table = quote(meta.db_table)
        self.pk_column = quote(meta.pk.column)
        self.attnames = [f.attname for f in fields]
        self.columns = [quote(f.column) for f in fields]
        self.pk_index = fields.index(meta.pk)
        self.select = f"SELECT {', '.join(self.columns)} FROM {self.table}"
        # (index in the row, that column's converters, the column they are called with)
        self.converters: list[tuple[int, list, Any]] = []
        for index, model_field in enumerate(fields):
            column = model_field.get_col(meta.db_table)
            found = ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((index, found, column))
        self.inserted = [f for f in fields if f is not meta.pk or not meta.pk.db_returning]
        self.insert = (
            f"INSERT INTO {self.table} ({', '.join(quote(f.column) for f in self.inserted)}) "
            f"VALUES ({', '.join(['%s'] * len(self.inserted))})"
        )
        self.returning = connection.features.can_return_columns_from_insert
        if self.returning:
            self.insert += f" RETURNING {self.pk_column}"
        self.updates: dict[tuple[str, ...], str] = {}  # by the fields set

    def instances(self, found: list[tuple]) -> list:
        rows = [list(row) for row in found]
        for row in rows:
            for index, converters, column in self.converters:
                for convert in converters:
                    row[index] = convert(row[index], column, self.connection)
        return [self.model.from_db(self.connection.alias, self.attnames, row) for row in rows]

    def update_sql(self, names: tuple[str, ...]) -> str:
        if names not in self.updates:
            quote = self.connection.ops.quote_name
            fields = [self.model._meta.get_field(name) for name in names]
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            self.updates[names] = (
                f"UPDATE {self.table} SET {assignments} WHERE {self.pk_column} = %s"
            )
        return self.updates[names]


def _plan(model: type[Model]) -> _Plan:
    connection = connections[DEFAULT_DB_ALIAS]  # this thread's
    plans = connection.__dict__.setdefault("_row_plans", {})
    if model not in plans:
        plans[model] = _Plan(model, connection)
    return plans[model]


def get(model: type[M], pk: int, *, for_update: bool = False) -> M:
    """`model.objects.get(pk=pk)`, or with `select_for_update()` (inside a transaction)."""
    found = select(model, f"{_plan(model).pk_column} = %s", [pk], for_update=for_update)
    if not found:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist.")
    return found[0]


def select(
    model: type[M], where: str, params: list, *, order_by: str = "", for_update: bool = False
) -> list[M]:
    """The rows of `model` matching `where` (SQL over its columns, with %s for `params`)."""
    plan = _plan(model)
    sql = f"{plan.select} WHERE {where}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    if for_update and plan.connection.features.has_select_for_update:
        sql += " " + plan.connection.ops.for_update_sql()
    with plan.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return plan.instances(cursor.fetchall())


def get_with(
    model: type[M], pk: int, other: type[Model], on: str, params: list, *, order_by: str = ""
) -> tuple[M, list]:
    """The `model` row `pk` and, in the same statement, the rows of `other` that match `on`
    (SQL over `m.` the model's columns and `o.` other's, with %s for `params`): one round trip
    where get() and select() would take two, and one snapshot of the database for both."""
    plan, found_plan = _plan(model), _plan(other)
    columns = [f"m.{c}" for c in plan.columns] + [f"o.{c}" for c in found_plan.columns]
    sql = (
        f"SELECT {', '.join(columns)} FROM {plan.table} m LEFT JOIN {found_plan.table} o "
        f"ON {on} WHERE m.{plan.pk_column} = %s"
    )
    if order_by:
        sql += f" ORDER BY {order_by}"
    with plan.connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        found = cursor.fetchall()
    if not found:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist.")
    width = len(plan.columns)
    (row,) = plan.instances([found[0][:width]])
    joined = [r[width:] for r in found if r[width + found_plan.pk_index] is not None]
    return row, found_plan.instances(joined)


def insert(instance: Model) -> None:
    """`instance.save()` for a new row: the row is written and `instance.pk` set."""
    if instance.pk is not None:
        raise ValueError("rows.insert() writes new rows, whose primary key the database gives.")
    plan = _plan(type(instance))
    connection = plan.connection
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in plan.inserted]
    with connection.cursor() as cursor:
        cursor.execute(plan.insert, values)
        if plan.returning:
            pk = cursor.fetchone()[0]
        else:
            meta = instance._meta
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    instance.pk = pk
    instance._state.adding, instance._state.db = False, connection.alias


def update(instance: Model, fields: list[str]) -> None:
    """`instance.save(update_fields=fields)` for a row known to exist."""
    plan = _plan(type(instance))
    names = tuple(fields)
    connection = plan.connection
    values = [
        f.get_db_prep_save(f.pre_save(instance, False), connection)
        for f in (instance._meta.get_field(name) for name in names)
    ]
    with connection.cursor() as cursor:
        cursor.execute(plan.update_sql(names), [*values, instance.pk])
