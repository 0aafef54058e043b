"""Every write that changes what a page shows marks its thread and its article changed, in
PostgreSQL itself.

Issue 14: cached pages are keyed by the root's thread_version and the article's
discussion_version. Services used to bump both by hand, and writers that bypassed them (a
queryset update in the privacy tools, a bulk action) left readers on stale pages. Now a row
trigger on comments_comment does it for every INSERT, DELETE and every UPDATE of a column a page
shows, whatever issued it (a service, the admin, an import, a data migration, psql), in the
writer's own transaction: the new versions become visible exactly when the change does. It also
keeps the counters the pages show (the article's approved comments and threads, each root's
replies).

Row triggers, and only on shown columns, so that a post costs what it did (bench/README.md):
a reply's renumbering of the rows after it changes only lft and rght, which fire nothing (it
always goes with the INSERT or DELETE that does: django-mptt closes a gap before the DELETE, so
the root's count is read after it), and the INSERT fires once. Which columns are shown is kept
in comments/marks.py, and tests/test_fresh_pages.py fails when a field of Comment is in neither
of its lists or the installed trigger watches other columns, so a new column cannot be forgotten.
"""

from django.db import migrations

# The columns a page shows (comments/marks.py says why each other column is left out; a test
# compares this trigger, as installed, with that list).
SHOWN_COLUMNS = [
    "article_id", "parent_id", "tree_id", "level", "user_id", "author_name", "body", "body_html",
    "status", "created_at", "edited_at",
]  # fmt: skip

# One writer marks in bulk instead of row by row: the importer copying whole new threads in
# (comments/services/importing.py) sets threadline.bulk_marks for its COPY, in its transaction
# only, then sets every counter and version of the article itself (recount_discussion). Marking
# 100,000 copied rows one by one would cost the import half a minute.
ROW_BY_ROW = "current_setting('threadline.bulk_marks', true) IS DISTINCT FROM 'on'"
OLD_SHOWN = ", ".join(f"OLD.{column}" for column in SHOWN_COLUMNS)
NEW_SHOWN = ", ".join(f"NEW.{column}" for column in SHOWN_COLUMNS)

MARK = f"""
-- PL/pgSQL, not SQL: it keeps the plans of its two UPDATEs for the session (a SQL function
-- plans them on every call, which cost a post 1 ms of the server's CPU).
CREATE FUNCTION comments_mark(tree bigint, article bigint, comments int, threads int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE comments_comment SET
        thread_version = thread_version + 1,
        thread_replies = (rght - lft - 1) / 2
    WHERE tree_id = tree AND parent_id IS NULL;
    UPDATE articles_article SET
        comment_count = comment_count + comments,
        thread_count = thread_count + threads,
        discussion_version = discussion_version + 1,
        discussion_updated_at = greatest(discussion_updated_at, clock_timestamp())
    WHERE id = article;
END
$$;

CREATE FUNCTION comments_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_approved int := 0;
    was_root int := 0;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        was_approved := (OLD.status = 'approved')::int;
        was_root := (OLD.parent_id IS NULL)::int;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM comments_mark(OLD.tree_id, OLD.article_id, -was_approved, -was_root);
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.tree_id, OLD.article_id) IS DISTINCT FROM (NEW.tree_id, NEW.article_id) THEN
        PERFORM comments_mark(OLD.tree_id, OLD.article_id, -was_approved, -was_root);
        was_approved := 0;
        was_root := 0;
    END IF;
    PERFORM comments_mark(
        NEW.tree_id,
        NEW.article_id,
        (NEW.status = 'approved')::int - was_approved,
        (NEW.parent_id IS NULL)::int - was_root
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_inserted_mark_changed AFTER INSERT ON comments_comment
    FOR EACH ROW WHEN ({ROW_BY_ROW}) EXECUTE FUNCTION comments_mark_changed();
CREATE TRIGGER comments_deleted_mark_changed AFTER DELETE ON comments_comment
    FOR EACH ROW WHEN ({ROW_BY_ROW}) EXECUTE FUNCTION comments_mark_changed();
CREATE TRIGGER comments_updated_mark_changed AFTER UPDATE ON comments_comment
    FOR EACH ROW WHEN ({ROW_BY_ROW} AND ({OLD_SHOWN}) IS DISTINCT FROM ({NEW_SHOWN}))
    EXECUTE FUNCTION comments_mark_changed();
"""

UNMARK = """
DROP TRIGGER comments_inserted_mark_changed ON comments_comment;
DROP TRIGGER comments_updated_mark_changed ON comments_comment;
DROP TRIGGER comments_deleted_mark_changed ON comments_comment;
DROP FUNCTION comments_mark_changed();
DROP FUNCTION comments_mark(bigint, bigint, int, int);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0010_hot_renumbering"),
        ("articles", "0003_search"),
    ]

    operations = [migrations.RunSQL(MARK, UNMARK)]
