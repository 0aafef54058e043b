"""ORM queries compiled to SQL once, then run with new values.

Django builds and compiles a query's SQL on every call. On the hot path of a cached page that
costs several times running the query itself (about 1 ms for a filtered values_list() with a
join and a subquery, against 0.1-0.2 ms for the query), so the few queries such pages and a post
run are written with the ORM as usual, compiled once with stand-in values, and then only bound.

What it leans on (tests/test_prepared.py fails loudly if it changes): a compiled query's params
are a flat sequence, one per placeholder, in SQL order, each value exactly as the caller gave it
(`query.get_compiler(using).as_sql()`, Django's public compiler entry point). The places of
each stand-in are found by compiling twice, the second time with that stand-in changed: the
params that change are its places, so another parameter that happens to equal a stand-in's value
is never rebound.
"""

import datetime
import threading
import uuid
from collections.abc import Callable

from django.db import connections, router
from django.db.models import Model


def _other(value):
    """A value of the same type as value, different from it: to find where value goes."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-other"
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(days=1)
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int ^ 1)
    if isinstance(value, list):  # one array parameter (= ANY(%s)), not an IN list
        return [*value, _other(value[-1])]
    raise TypeError(f"No other value known for a stand-in of type {type(value).__name__}")


class PreparedValues:
    """A values_list() query: build(**stand_ins) once, then first(**values) binds and runs it.

    Each stand-in must be a parameter of the query (checked when compiling); the row comes back
    as the database returns it, so use it for fields that need no conversion from the database
    (numbers, text, booleans, dates on PostgreSQL).
    """

    def __init__(self, build: Callable, **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self._compiled: tuple | None = None
        self._lock = threading.Lock()

    def _sql(self, stand_ins: dict) -> tuple[type[Model], str, tuple]:
        queryset = self.build(**stand_ins)
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        return queryset.model, sql, tuple(params)

    def _compile(self) -> tuple:
        model, sql, params = self._sql(self.stand_ins)
        places = {}
        for name, value in self.stand_ins.items():
            _, other_sql, other = self._sql({**self.stand_ins, name: _other(value)})
            if other_sql != sql or len(other) != len(params):
                raise ValueError(f"The stand-in {name!r} changes the query's SQL, not only its values")
            places[name] = [index for index, (a, b) in enumerate(zip(params, other, strict=True)) if a != b]
            if not places[name]:
                raise ValueError(f"The stand-in {name!r} is not a parameter of the query")
        return model, sql, list(params), places

    def _bound(self, values: dict) -> tuple[type[Model], str, list]:
        with self._lock:
            if self._compiled is None:
                self._compiled = self._compile()
        model, sql, params, places = self._compiled
        params = list(params)
        for name, indexes in places.items():
            for index in indexes:
                params[index] = values[name]
        return model, sql, params

    def first(self, **values) -> tuple | None:
        model, sql, params = self._bound(values)
        with connections[router.db_for_read(model)].cursor() as cursor:  # the router: per request
            cursor.execute(sql, params)
            return cursor.fetchone()

    def all(self, **values) -> list[tuple]:
        model, sql, params = self._bound(values)
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
