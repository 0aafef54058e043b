"""Django's PostgreSQL backend, with bulk operations kept under PostgreSQL's parameter limit.

With server-side binding (DATABASE_PREPARED_STATEMENTS=1) a statement takes at most 65,535
parameters, and Django's PostgreSQL backend batches nothing: the cascading delete of an article
with a 100,000-comment discussion sent one statement with a parameter per comment and failed.
Here bulk_create and the delete collector batch to stay under the limit.
"""

from django.db.backends.postgresql import base, operations

MAX_BOUND_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        size = super().bulk_batch_size(fields, objs)
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return size
        return max(1, min(size, MAX_BOUND_PARAMETERS // max(1, len(fields))))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
