"""Who may mark a comment helpful, and as whom (issue 22).

Accounts vote as themselves. A guest votes only with an address they proved they read: one they
confirmed a reply subscription for (the link emailed to it), on a comment this browser posted
(the signed own-comments cookie, comments.readers). The address itself is never stored with the
vote: a keyed digest of it is (one vote per mailbox, whatever the browser).
"""

from dataclasses import dataclass

from django.utils.crypto import salted_hmac

from comments.models import Comment
from comments.readers import own_posted
from notifications.models import ReplySubscription


@dataclass(frozen=True)
class Voter:
    key: str  # "user:<id>" or "guest:<digest>": unique per comment
    user: object = None  # the account, or None for a guest
    email: str = ""  # the guest's verified address (lower case), never stored

    def owns(self, comment: Comment) -> bool:
        """Whether the comment is the voter's own (no self-votes): their account's, or posted with
        their address."""
        if self.user is not None and comment.user_id == self.user.pk:
            return True
        address = self.email or (self.user.email.lower() if self.user is not None else "")
        return bool(address) and comment.author_email.lower() == address


def guest_key(email: str) -> str:
    return "guest:" + salted_hmac("threadline.helpful-vote", email.lower()).hexdigest()[:40]


def voter_for(request) -> Voter | None:
    """The request's voter, or None (a guest without a verified address). A guest costs one query."""
    if request.user.is_authenticated:
        return Voter(key=f"user:{request.user.pk}", user=request.user)
    posted = own_posted(request)
    if not posted:
        return None
    email = (
        ReplySubscription.objects.filter(comment_id__in=posted, confirmed_at__isnull=False)
        .order_by("-confirmed_at")
        .values_list("email", flat=True)
        .first()
    )
    if not email:
        return None
    return Voter(key=guest_key(email), email=email.lower())
