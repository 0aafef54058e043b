"""Issue 23: the marks of migration 0011 may wait for COMMIT, so writers to one article do not
queue on its row.

Every write's mark ends with an UPDATE of the article's row (its counters and
discussion_version), which holds that row's lock until the writer commits: eight writers into
eight threads of one article queued there for the rest of each one's transaction (about 0.6 of 8
backends waiting, bench/README.md). The three triggers become constraint triggers, DEFERRABLE
INITIALLY IMMEDIATE: by default they fire as before, at the end of each statement; a transaction
that reads no count after its writes (comments.services.submitting) defers them with
comments.services.common.defer_marks(), and they then run as part of its COMMIT. The row is
held for the commit alone; the counts and versions are still exact and change in the same
transaction as the comments, visible to others at the same instant.

Unchanged: the function, the columns watched, and the WHEN conditions (a constraint trigger
evaluates WHEN at the write, not at COMMIT, so threadline.bulk_marks keeps working).
"""

from django.db import migrations

SHOWN_COLUMNS = [
    "article_id", "parent_id", "tree_id", "level", "user_id", "author_name", "body", "body_html",
    "status", "created_at", "edited_at",
    "locked_at", "lock_reason", "slow_mode_seconds", "slow_mode_until", "slow_mode_reason", "first_time",
    "removal_category",
]  # fmt: skip
ROW_BY_ROW = "current_setting('threadline.bulk_marks', true) IS DISTINCT FROM 'on'"
OLD_SHOWN = ", ".join(f"OLD.{column}" for column in SHOWN_COLUMNS)
NEW_SHOWN = ", ".join(f"NEW.{column}" for column in SHOWN_COLUMNS)
TRIGGERS = {
    "comments_inserted_mark_changed": ("INSERT", ROW_BY_ROW),
    "comments_deleted_mark_changed": ("DELETE", ROW_BY_ROW),
    "comments_updated_mark_changed": ("UPDATE", f"{ROW_BY_ROW} AND ({OLD_SHOWN}) IS DISTINCT FROM ({NEW_SHOWN})"),
}


def create(constraint: bool) -> str:
    kind = "CONSTRAINT TRIGGER" if constraint else "TRIGGER"
    timing = " DEFERRABLE INITIALLY IMMEDIATE" if constraint else ""
    return "".join(
        f"DROP TRIGGER {name} ON comments_comment;\n"
        f"CREATE {kind} {name} AFTER {event} ON comments_comment{timing}\n"
        f"    FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION comments_mark_changed();\n"
        for name, (event, when) in TRIGGERS.items()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0017_merge_issues_20_21_22"),
    ]

    operations = [migrations.RunSQL(create(constraint=True), create(constraint=False))]
