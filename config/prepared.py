"""ORM queries compiled to SQL once, then run with new values.

Django builds and compiles a query's SQL on every call. On the hot path of a cached page that
costs several times running the query itself (about 1 ms for a filtered values_list() with a
join and a subquery, against 0.1-0.2 ms for the query), so the few queries such pages run are
written with the ORM as usual, compiled once with stand-in values, and then only bound.
"""

import threading
from collections.abc import Callable

from django.db import connections, router
from django.db.models import Model
from django.db.models.sql import UpdateQuery


class _Prepared:
    """A query built with stand-in values, compiled once; each call binds the real values."""

    def __init__(self, build: Callable, **stand_ins):
        self.build = build
        self.stand_ins = stand_ins
        self._compiled: tuple | None = None
        self._lock = threading.Lock()

    def _sql(self) -> tuple[type[Model], str, tuple]:
        raise NotImplementedError

    def _bound(self, values: dict) -> tuple[type[Model], str, list]:
        with self._lock:
            if self._compiled is None:
                model, sql, params = self._sql()
                places = {
                    name: [index for index, param in enumerate(params) if param == value]
                    for name, value in self.stand_ins.items()
                }
                if any(len(found) == 0 for found in places.values()):
                    raise ValueError(f"A stand-in is not a parameter of the query: {places}")
                self._compiled = (model, sql, list(params), places)
        model, sql, params, places = self._compiled
        params = list(params)
        for name, indexes in places.items():
            for index in indexes:
                params[index] = values[name]
        return model, sql, params


class PreparedValues(_Prepared):
    """A values_list() query: build(**stand_ins) once, then first(**values) binds and runs it.

    Each stand-in must be a value the query holds as a parameter and no other parameter holds
    (checked when compiling); the row comes back as the database returns it, so use it for
    fields that need no conversion from the database (numbers, text, booleans, dates on
    PostgreSQL).
    """

    def _sql(self):
        queryset = self.build(**self.stand_ins)
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        return queryset.model, sql, params

    def first(self, **values) -> tuple | None:
        model, sql, params = self._bound(values)
        with connections[router.db_for_read(model)].cursor() as cursor:  # the router: per request
            cursor.execute(sql, params)
            return cursor.fetchone()


class PreparedUpdate(_Prepared):
    """queryset.update(**changes) with build(**stand_ins) returning (queryset, changes); run(**values).

    For the UPDATEs every post runs (counters, versions): the same stand-in rules as
    PreparedValues. Returns the number of rows changed, like QuerySet.update().
    """

    def _sql(self):
        queryset, changes = self.build(**self.stand_ins)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        query.get_initial_alias()
        if query.related_updates or query.count_active_tables() != 1:
            raise ValueError("Only an UPDATE of one table filtered on its own columns is prepared")
        sql, params = query.get_compiler(router.db_for_write(queryset.model)).as_sql()
        return queryset.model, sql, params

    def run(self, **values) -> int:
        model, sql, params = self._bound(values)
        with connections[router.db_for_write(model)].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
