import factory
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments import services
from comments.models import Comment
from comments.services import moderating


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"moderator{n}")
    is_staff = True
    is_superuser = True


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "A short summary."
    body = "Some *Markdown* body.\n\nA second paragraph."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class CommentFactory(factory.Factory):
    """Comments go in through the service, like every real comment (tree numbers, locks)."""

    class Meta:
        model = Comment

    article = factory.LazyAttribute(lambda o: o.parent.article if o.parent else ArticleFactory())
    parent = None
    body = factory.Sequence(lambda n: f"Comment body number {n}.")
    author_name = factory.Sequence(lambda n: f"Guest {n}")
    author_email = factory.LazyAttribute(lambda o: f"{o.author_name.replace(' ', '.').lower()}@example.org")
    status = Comment.Status.APPROVED

    @classmethod
    def _create(cls, model_class, *, status, **kwargs):
        comment = services.post_comment(trusted=True, **kwargs)  # the site's own fixtures
        if status != Comment.Status.APPROVED:
            with transaction.atomic():  # through the service: counters and thread version follow
                comment = moderating._moderate(comment, status, None)
        return comment
