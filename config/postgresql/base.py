"""Django's PostgreSQL backend, with bulk operations kept under PostgreSQL's parameter limit
and a health check that costs no round trip while the connection is quiet.

With server-side binding (DATABASE_PREPARED_STATEMENTS=1) a statement takes at most 65,535
parameters, and Django's PostgreSQL backend batches nothing: the cascading delete of an article
with a 100,000-comment discussion sent one statement with a parameter per comment and failed.
Here bulk_create and the delete collector batch to stay under the limit.

CONN_HEALTH_CHECKS sends `SELECT 1` before each request's first query: a round trip per request
that does nothing (it was one of a reply's 16 statements). A server that ends a connection
(restart, shutdown, pg_terminate_backend, idle timeout) says so on its socket: an error message,
then end of file. So the check first asks the kernel whether the idle connection has anything to
read, and only then runs `SELECT 1`; a connection with nothing waiting is used as it is. What
this cannot see (a server gone without a word, a cable pulled) `SELECT 1` could not have seen
sooner either: both wait on the network.

timestamptz values are parsed by psycopg's C loader instead of Django's Python one when the
connection's zone is UTC (config/postgresql/timestamps.py).
"""

import select

from django.db.backends.postgresql import base, operations

from config.postgresql import timestamps

MAX_BOUND_PARAMETERS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        size = super().bulk_batch_size(fields, objs)
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return size
        return max(1, min(size, MAX_BOUND_PARAMETERS // max(1, len(fields))))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        if "context" in params and timestamps.applies(self):
            params["context"] = timestamps.adapters_with_native_loader(params["context"])
        return params

    def close_if_health_check_failed(self):
        due = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if due and not self._has_something_to_read():
            self.health_check_done = True  # quiet: nothing said it closed
            return
        super().close_if_health_check_failed()  # SELECT 1; closed (and reopened) if it fails

    def _has_something_to_read(self) -> bool:
        """An idle connection is silent; a server that ended it has sent an error or end of file."""
        try:
            poll = select.poll()
            poll.register(self.connection.fileno(), select.POLLIN)
            return bool(poll.poll(0))
        except (OSError, ValueError, self.Database.Error):
            return True  # no socket to ask: let SELECT 1 decide
