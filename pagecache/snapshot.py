"""Read what a cached page shows, and the state it is labelled with, as of one instant.

A cache entry is correct only if its label (the versions it was made for) and its content come
from the same database state. Under READ COMMITTED each statement sees the commits made before
it began, so a page rendered with several queries can mix states: a comment's tree numbers read
by one query and its subtree's rows by the next, with another reply committed in between that
moved them (issue 14). Inside one_snapshot() every query sees one snapshot (REPEATABLE READ,
read only), so what is rendered is exactly what the label says.
"""

from contextlib import contextmanager

from django.db import connections, router, transaction


@contextmanager
def one_snapshot(model=None):
    """Every query inside reads one snapshot of the database (of model's read database).

    Inside a transaction already (a write, or a test's transaction) it adds nothing: the
    isolation level cannot change once a transaction has run a query.
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
