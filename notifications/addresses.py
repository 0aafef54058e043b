"""One mailbox, however its address is spelled: caps on mail to an address count per mailbox."""

import re

from django.db.models import Q


def mailbox(address: str) -> str:
    """ "Ann+x@Example.ORG " -> "ann@example.org": case and sub-address (+tag) dropped."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else address.strip().lower()


def same_mailbox(field: str, address: str) -> Q:
    """A filter for rows whose `field` is any spelling of the address's mailbox (indexed by no one:
    for small, recent sets such as today's outbox rows)."""
    local, _, domain = mailbox(address).rpartition("@")
    return Q(**{f"{field}__iregex": rf"^{re.escape(local)}(\+[^@]*)?@{re.escape(domain)}$"})
