import pytest
from django.urls import reverse

from comments import moderation
from comments.locations import comment_location
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import comment_elements, indented

pytestmark = pytest.mark.django_db


def post(client, article, **data):
    return client.post(reverse("comments:add", args=[article.slug]), data)


def test_guest_posts_a_top_level_comment_and_lands_on_it(client, article):
    response = post(client, article, body="First!\n\nSecond paragraph.", name="Ann", email="ann@example.org")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.slug}/#comment-{comment.pk}"
    assert (comment.author_name, comment.author_email, comment.parent) == ("Ann", "ann@example.org", None)
    assert comment.body_html == "<p>First!</p>\n<p>Second paragraph.</p>"
    assert comment.status == Comment.Status.APPROVED


def test_guest_reply_is_stored_under_its_parent_and_nested_on_the_page(client, article):
    parent = CommentFactory(article=article)

    response = post(client, article, body="A reply", parent=parent.pk, name="Bo", email="bo@example.org")

    reply = Comment.objects.get(body="A reply")
    assert response["Location"].endswith(f"#comment-{reply.pk}")
    assert reply.parent == parent and reply.tree_id == parent.tree_id and reply.level == 1
    page = client.get(article.get_absolute_url()).text
    assert (reply.pk, parent.pk, parent.pk) in comment_elements(page)


def test_signed_in_reader_posts_without_name_or_email(client, article):
    user = UserFactory(username="carla", first_name="Carla", last_name="Diaz")
    client.force_login(user)

    response = post(client, article, body="Members need no email field.")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert comment.user == user
    assert comment.author_name == "Carla Diaz"


def test_signed_in_form_has_no_name_or_email_fields(client, article):
    client.force_login(UserFactory())

    page = client.get(article.get_absolute_url()).text

    assert 'name="body"' in page and 'name="parent"' in page
    assert 'name="name"' not in page and 'name="email"' not in page


def test_page_contract_ids_data_parent_and_nesting(client, article):
    first = CommentFactory(article=article)
    reply = CommentFactory(parent=first)
    deeper = CommentFactory(parent=reply)
    second = CommentFactory(article=article)

    page = client.get(article.get_absolute_url()).text

    assert comment_elements(page) == [
        (first.pk, None, None),
        (reply.pk, first.pk, first.pk),
        (deeper.pk, reply.pk, reply.pk),
        (second.pk, None, None),
    ]
    assert f'id="comment-{first.pk}" data-parent=""' in page


def test_replies_go_in_as_last_child_so_threads_read_oldest_first(client, article):
    root = CommentFactory(article=article)
    older = CommentFactory(parent=root)
    newer = CommentFactory(parent=root)
    under_older = CommentFactory(parent=older)

    page = client.get(article.get_absolute_url()).text

    assert indented(page) == "\n".join(
        [str(root.pk), f"  {older.pk}", f"    {under_older.pk}", f"  {newer.pk}"]
    )


def test_reader_text_is_escaped_and_urls_become_nofollow_links(client, article):
    body = "<script>window.pwned=1</script> <b>bold?</b> see https://example.org/x?a=1&b=2"

    post(client, article, body=body, name="<i>Eve</i>", email="eve@example.org")

    page = client.get(article.get_absolute_url()).text
    assert "<script>window.pwned" not in page and "<b>bold?</b>" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "&lt;i&gt;Eve&lt;/i&gt;" in page
    assert 'href="https://example.org/x?a=1&amp;b=2" rel="nofollow ugc noopener"' in page


def test_author_emails_and_ip_addresses_never_reach_the_page(client, article):
    client.post(
        reverse("comments:add", args=[article.slug]),
        {"body": "Hi", "name": "Dan", "email": "dan.private@example.org"},
        REMOTE_ADDR="203.0.113.9",
    )

    pages = [client.get(article.get_absolute_url()).text, client.get("/").text]
    pages += [client.get(reverse("comments:thread", args=[c.pk])).text for c in Comment.objects.all()]
    assert Comment.objects.filter(ip_address="203.0.113.9").exists()
    for page in pages:
        assert "dan.private" not in page and "203.0.113.9" not in page


def test_reply_page_quotes_the_parent_and_posts_a_reply(client, article):
    parent = CommentFactory(article=article, body="Quote me")

    page = client.get(reverse("comments:reply", args=[parent.pk])).text

    assert "Quote me" in page
    assert f'name="parent" value="{parent.pk}"' in page
    assert reverse("comments:add", args=[article.slug]) in page


def test_comment_thread_page_shows_ancestors_and_the_comment_highlighted(client, article):
    root = CommentFactory(article=article, body="The root says hello")
    reply = CommentFactory(parent=root, body="The reply")

    page = client.get(reverse("comments:thread", args=[reply.pk])).text

    assert "The root says hello" in page
    assert [pk for pk, *_ in comment_elements(page)] == [reply.pk]
    assert f'<li class="comment highlight" id="comment-{reply.pk}"' in page


def test_deep_replies_continue_on_the_thread_page(client, article, settings):
    settings.COMMENT_DISPLAY_DEPTH = 3
    chain = [CommentFactory(article=article)]
    for _ in range(4):
        chain.append(CommentFactory(parent=chain[-1]))

    page = client.get(article.get_absolute_url()).text
    continued = client.get(reverse("comments:thread", args=[chain[2].pk])).text

    assert [pk for pk, *_ in comment_elements(page)] == [c.pk for c in chain[:3]]
    assert "Continue this thread (2 more replies)" in page
    assert [pk for pk, *_ in comment_elements(continued)] == [c.pk for c in chain[2:]]


@pytest.mark.parametrize("parent_level, anchor_level", [(2, 2), (3, 2), (4, 4)])
def test_a_deep_reply_lands_on_its_continue_page_with_no_query_for_it(
    client, article, settings, django_assert_num_queries, parent_level, anchor_level
):
    settings.COMMENT_DISPLAY_DEPTH = 3  # continue pages start at levels 2, 4, …
    chain = [CommentFactory(article=article)]
    for _ in range(parent_level):
        chain.append(CommentFactory(parent=chain[-1]))
    moderation.current_rules()  # this process's copy of the rules, as after any earlier post

    with django_assert_num_queries(6):  # as many as a reply shown on the article page
        response = post(
            client, article, body="Deep down", parent=chain[-1].pk, name="Di", email="di@example.org"
        )

    reply = Comment.objects.get(body="Deep down")
    assert (
        response["Location"]
        == f"{reverse('comments:thread', args=[chain[anchor_level].pk])}#comment-{reply.pk}"
    )
    assert f'id="comment-{reply.pk}"' in client.get(response["Location"]).text


def test_a_deep_reply_is_located_even_after_its_thread_renumbered_around_it(article, settings):
    settings.COMMENT_DISPLAY_DEPTH = 3
    root = CommentFactory(article=article)
    earlier = CommentFactory(parent=root)
    chain = [CommentFactory(parent=root)]
    for _ in range(2):
        chain.append(CommentFactory(parent=chain[-1]))
    deep = chain[-1]  # level 3: shown on the continue page of chain[1]; numbers as just posted
    CommentFactory(parent=earlier)  # another writer, a moment later: everything after it moves on

    location = comment_location(deep)

    assert location == f"{reverse('comments:thread', args=[chain[1].pk])}#comment-{deep.pk}"
    assert deep.get_absolute_url() == reverse("comments:thread", args=[deep.pk])  # the permalink


def test_second_submission_of_the_same_form_lands_on_the_first_comment(client, article):
    data = {"body": "Posted twice", "name": "Fay", "email": "fay@example.org",
            "token": "0b6f4a3e-3f7e-4a51-9b0b-3c1f6f6b2a10"}  # fmt: skip

    first = post(client, article, **data)
    second = post(client, article, **data)

    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_draft_articles_are_not_public(client):
    draft = ArticleFactory(status="draft", published_at=None)

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert post(client, draft, body="x", name="a", email="a@example.org").status_code == 404
    assert draft.title not in client.get("/").text
