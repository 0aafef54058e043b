"""Every write to a comment marks its thread and its article changed, in PostgreSQL itself.

Issue 14: cached pages are keyed by the root's thread_version and the article's
discussion_version. Services used to bump both by hand, and writers that bypassed them (a
queryset update in the privacy tools, a bulk action) left readers on stale pages. Now three
statement-level triggers on comments_comment do it for every INSERT, UPDATE and DELETE,
whatever issued it (a service, the admin, a data migration, psql), in the writer's own
transaction, so the new versions become visible exactly when the change does. They also keep
the counters the page shows (the article's approved comments and threads, each root's
replies), computed from the rows that changed.

Each statement that changes rows bumps the versions of their threads and articles once (a
reply's renumbering and its INSERT bump twice): remembering what a transaction marked already
would save an UPDATE of two rows it holds locked anyway, and would be wrong for readers inside
that same transaction.
"""

from django.db import migrations

MARK = """
CREATE FUNCTION comments_apply_marks(trees bigint[], articles bigint[], comments bigint[], threads bigint[])
RETURNS void LANGUAGE sql AS $$
    UPDATE comments_comment AS root SET
        thread_version = root.thread_version + 1,
        thread_replies = (root.rght - root.lft - 1) / 2
    WHERE root.parent_id IS NULL AND root.tree_id = ANY(trees);
    UPDATE articles_article AS article SET
        comment_count = article.comment_count + change.comments,
        thread_count = article.thread_count + change.threads,
        discussion_version = article.discussion_version + 1,
        discussion_updated_at = greatest(article.discussion_updated_at, clock_timestamp())
    FROM unnest(articles, comments, threads) AS change(id, comments, threads)
    WHERE article.id = change.id;
$$;

CREATE FUNCTION comments_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    trees bigint[];
    articles bigint[];
    comments bigint[];
    threads bigint[];
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;  -- comments_apply_marks() updating the roots
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT tree_id) INTO trees FROM new_rows;
        SELECT array_agg(article_id), array_agg(c), array_agg(t) INTO articles, comments, threads FROM (
            SELECT article_id, sum((status = 'approved')::int) AS c, sum((parent_id IS NULL)::int) AS t
            FROM new_rows GROUP BY article_id
        ) AS change;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT tree_id) INTO trees FROM old_rows;
        SELECT array_agg(article_id), array_agg(c), array_agg(t) INTO articles, comments, threads FROM (
            SELECT article_id, -sum((status = 'approved')::int) AS c, -sum((parent_id IS NULL)::int) AS t
            FROM old_rows GROUP BY article_id
        ) AS change;
    ELSE
        SELECT array_agg(DISTINCT tree_id) INTO trees FROM (
            SELECT tree_id FROM new_rows UNION SELECT tree_id FROM old_rows
        ) AS changed;
        SELECT array_agg(article_id), array_agg(c), array_agg(t) INTO articles, comments, threads FROM (
            SELECT article_id, sum(c) AS c, sum(t) AS t FROM (
                SELECT article_id, (status = 'approved')::int AS c, (parent_id IS NULL)::int AS t FROM new_rows
                UNION ALL
                SELECT article_id, -(status = 'approved')::int, -(parent_id IS NULL)::int FROM old_rows
            ) AS rows GROUP BY article_id
        ) AS change;
    END IF;
    IF trees IS NOT NULL THEN
        PERFORM comments_apply_marks(trees, articles, comments, threads);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_inserted_mark_changed AFTER INSERT ON comments_comment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_mark_changed();
CREATE TRIGGER comments_updated_mark_changed AFTER UPDATE ON comments_comment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_mark_changed();
CREATE TRIGGER comments_deleted_mark_changed AFTER DELETE ON comments_comment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_mark_changed();
"""

UNMARK = """
DROP TRIGGER comments_inserted_mark_changed ON comments_comment;
DROP TRIGGER comments_updated_mark_changed ON comments_comment;
DROP TRIGGER comments_deleted_mark_changed ON comments_comment;
DROP FUNCTION comments_mark_changed();
DROP FUNCTION comments_apply_marks(bigint[], bigint[], bigint[], bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0010_hot_renumbering"),
        ("articles", "0003_search"),
    ]

    operations = [migrations.RunSQL(MARK, UNMARK)]
