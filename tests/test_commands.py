import subprocess
import sys
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article
from comments.checks import find_tree_problems
from comments.generator import generate_discussion
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_check_comment_trees_passes_on_consistent_trees(capsys, article):
    root = CommentFactory(article=article)
    CommentFactory(parent=CommentFactory(parent=root))

    call_command("check_comment_trees")

    assert "all consistent" in capsys.readouterr().out


@pytest.mark.parametrize(
    "corruption, expected",
    [
        ({"rght": 99}, "lft/rght/level are"),
        ({"level": 5}, "lft/rght/level are"),
        ({"tree_id": 424242}, "is not in the same tree"),
    ],
)
def test_check_comment_trees_catches_a_corrupted_tree(capsys, article, corruption, expected):
    root = CommentFactory(article=article)
    child = CommentFactory(parent=root)
    CommentFactory(parent=child)
    Comment.objects.filter(pk=child.pk).update(**corruption)  # deliberate corruption

    with pytest.raises(SystemExit) as exit_info:
        call_command("check_comment_trees")

    assert exit_info.value.code == 1
    assert expected in capsys.readouterr().err


def test_check_comment_trees_catches_two_threads_sharing_a_tree_id(article):
    first, second = CommentFactory(article=article), CommentFactory(article=article)
    Comment.objects.filter(pk=second.pk).update(tree_id=first.tree_id)

    problems = find_tree_problems()

    assert any("2 top-level comments" in problem for problem in problems)


def test_check_comment_trees_catches_a_reply_in_another_article(article):
    reply = CommentFactory(parent=CommentFactory(article=article))
    Comment.objects.filter(pk=reply.pk).update(article=ArticleFactory())

    assert any("differs from its parent's" in problem for problem in find_tree_problems())


def test_loaddemo_is_idempotent():
    call_command("loaddemo")
    counts = (Article.objects.count(), Comment.objects.count())

    call_command("loaddemo")

    assert (Article.objects.count(), Comment.objects.count()) == counts
    assert counts[0] == 3
    demo = Article.objects.get(slug="harbour-district-goes-car-free")
    assert demo.comments.roots().count() == 5
    assert max(demo.comments.values_list("level", flat=True)) == 2  # three levels deep
    assert demo.comments.filter(status=Comment.Status.REMOVED, rght__gt=2).exists()
    assert find_tree_problems() == []


def test_generate_discussion_builds_realistic_consistent_threads(article):
    generate_discussion(article, comments=2000, seed=7)

    comments = article.comments.all()
    roots = comments.filter(parent=None).count()
    levels = set(comments.values_list("level", flat=True))
    assert comments.count() == 2000
    assert 0.15 < roots / 2000 < 0.25
    assert max(levels) <= 7 and max(levels) >= 4
    assert find_tree_problems() == []


def test_generate_discussion_is_repeatable_for_a_seed():
    first, second = ArticleFactory(), ArticleFactory()

    generate_discussion(first, comments=300, seed=3)
    generate_discussion(second, comments=300, seed=3)

    def shape(article):
        return list(article.comments.order_by("created_at").values_list("level", "body"))

    assert shape(first) == shape(second)


def test_generate_discussion_command_refuses_an_unknown_article():
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT'] or 5432}/{db['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_discussion", "--article", "nope", "--comments", "5"],
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": url},
    )

    assert result.returncode == 1
    assert "No article with the slug 'nope'" in result.stderr


def test_check_comment_trees_catches_a_wrong_reply_count_on_a_thread(article):
    root = CommentFactory(article=article)
    CommentFactory(parent=CommentFactory(parent=root))
    with connection.cursor() as cursor:  # deliberate corruption, past the triggers that keep it right
        cursor.execute("SET LOCAL session_replication_role = replica")
        Comment.objects.filter(pk=root.pk).update(thread_replies=5)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    problems = find_tree_problems()

    assert problems == [
        f"comment {root.pk} (top of tree {root.tree_id}): thread_replies is 5, the tree has 2 replies"
    ]
