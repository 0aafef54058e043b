"""How heated each discussion is now (issue 21): signals for moderators, never a hidden penalty.

Over the last HEAT_WINDOW_MINUTES, per article with comments in that window:

- comments a minute and reports a minute (reports made in the window on its comments);
- the share of the window's comments written by newcomers (no approved comment before the
  window: an account by its id, a guest by email);
- the longest back-and-forth: a chain of replies alternating between the same two authors
  (A, B, A, B: 4).

The heat is one number from these, weighted so that volume alone never makes a discussion
"heated" (a busy civil thread stays cool) while reports, newcomers arriving together and two
people trading replies do; HEAT_THRESHOLD marks the ones worth a look. Three queries for the
whole site, whatever its size beyond the window.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, Report

HEAT_WINDOW_MINUTES = 10
HEAT_THRESHOLD = 10.0
REPORT_WEIGHT = 4.0  # each report a minute
NEWCOMER_WEIGHT = 2.0  # each newcomer comment a minute
BACK_AND_FORTH_FREE = 3  # an exchange this long is a conversation; each reply past it counts


@dataclass
class Heat:
    article: Article
    comments_per_minute: float
    reports_per_minute: float
    newcomer_share: float  # 0..1
    back_and_forth: int  # replies in the longest exchange between two authors

    @property
    def score(self) -> float:
        newcomers_per_minute = self.comments_per_minute * self.newcomer_share
        return round(
            self.reports_per_minute * REPORT_WEIGHT
            + newcomers_per_minute * NEWCOMER_WEIGHT
            + max(0, self.back_and_forth - BACK_AND_FORTH_FREE),
            2,
        )

    @property
    def is_heated(self) -> bool:
        return self.score >= HEAT_THRESHOLD


def _author(user_id, email: str) -> str:
    return f"user:{user_id}" if user_id is not None else f"email:{email.lower()}"


def discussion_heat(
    *, now: datetime.datetime | None = None, minutes: int = HEAT_WINDOW_MINUTES
) -> list[Heat]:
    """Every article with comments in the window, hottest first."""
    now = now or timezone.now()
    since = now - datetime.timedelta(minutes=minutes)
    earlier_approved = Comment.objects.filter(status=Comment.Status.APPROVED, created_at__lt=since).filter(
        Q(user_id=OuterRef("user_id"), user__isnull=False)
        | Q(user__isnull=True, author_email__iexact=OuterRef("author_email"))
    )
    recent = list(
        Comment.objects.filter(created_at__gte=since, created_at__lte=now)
        .annotate(returning=Exists(earlier_approved))
        .values_list("pk", "article_id", "parent_id", "user_id", "author_email", "returning")
    )
    if not recent:
        return []
    by_pk = {pk: (parent_id, _author(user_id, email)) for pk, _, parent_id, user_id, email, _ in recent}
    # The parents (and grandparents) written before the window, for the exchanges that started there.
    for _ in range(2):
        missing = {parent for parent, _ in by_pk.values() if parent is not None and parent not in by_pk}
        for pk, parent_id, user_id, email in Comment.objects.filter(pk__in=missing).values_list(
            "pk", "parent_id", "user_id", "author_email"
        ):
            by_pk[pk] = (parent_id, _author(user_id, email))
    exchange: dict[int, int] = {}  # pk: length of the two-author exchange ending at it

    def length(pk: int) -> int:
        if pk in exchange:
            return exchange[pk]
        parent_id, author = by_pk[pk]
        result = 1
        if parent_id in by_pk and by_pk[parent_id][1] != author:
            grandparent = by_pk[parent_id][0]
            result = length(parent_id) + 1 if grandparent in by_pk and by_pk[grandparent][1] == author else 2
        exchange[pk] = result
        return result

    stats: dict[int, dict] = defaultdict(lambda: {"comments": 0, "newcomers": 0, "exchange": 0, "reports": 0})
    for pk, article_id, _, _, _, returning in sorted(recent):  # parents before replies: short recursion
        row = stats[article_id]
        row["comments"] += 1
        row["newcomers"] += 0 if returning else 1
        row["exchange"] = max(row["exchange"], length(pk))
    reports = (
        Report.objects.filter(created_at__gte=since, created_at__lte=now, comment__article_id__in=stats)
        .values("comment__article_id")
        .annotate(count=Count("pk"))
    )
    for row in reports:
        stats[row["comment__article_id"]]["reports"] = row["count"]
    articles = Article.objects.in_bulk(stats)
    heats = [
        Heat(
            article=articles[article_id],
            comments_per_minute=round(row["comments"] / minutes, 2),
            reports_per_minute=round(row["reports"] / minutes, 2),
            newcomer_share=round(row["newcomers"] / row["comments"], 2),
            back_and_forth=row["exchange"] if row["exchange"] > 1 else 0,
        )
        for article_id, row in stats.items()
    ]
    return sorted(heats, key=lambda heat: heat.score, reverse=True)
