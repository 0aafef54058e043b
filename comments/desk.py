"""The moderation desk (issue 19): the queue with each comment whole, in its context, decided in place.

Admin views, registered by CommentAdmin.get_urls() behind admin_view() (staff login; the model's
view permission to look, change permission to decide). A decision is a form POST to decide():
the desk's script sends it with fetch and gets JSON back (no page load); without the script the
browser posts the form and lands back on the desk. Every decision goes through the services,
under the thread's lock, refused with a 409 when the comment changed since the moderator saw it.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from comments import services
from comments.models import Comment, Report
from comments.moderation_admin import author_histories

# decision: (service, past tense for messages and the admin history, its key on the desk)
DECISIONS = {
    "approve": (services.approve_comment, "approved", "a"),
    "reject": (services.reject_comment, "rejected", "r"),
    "spam": (services.mark_spam, "marked as spam", "s"),
    "remove": (services.remove_comment, "removed", "d"),
}
DESK_SIZE = 100  # the oldest comments waiting, on one page: a day's queue, decided without paging
FOLD_CHARS = 1500  # longer comments start folded (a <details>), with their opening shown
UNDO_SALT = "comments.desk.undo"
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
UNDO_SECONDS = 60  # the script offers undo for a few seconds; the server allows for a slow network


def admin_page(model_admin, function):
    """function(request, …, model_admin=…) behind the admin's login and permission checks."""

    def bound(request, *args, **kwargs):
        return function(request, *args, model_admin=model_admin, **kwargs)

    return model_admin.admin_site.admin_view(bound)


def urls(model_admin) -> list:
    """The desk's URLs, each behind the admin's login and permission checks."""

    def view(function):
        return admin_page(model_admin, function)

    return [
        path("desk/", view(desk), name="comments_comment_desk"),
        path("desk/undo/", view(undo), name="comments_comment_undo"),
        path("<int:pk>/decide/", view(decide), name="comments_comment_decide"),
        path("<int:pk>/thread/", view(thread), name="comments_comment_thread"),
    ]


@dataclass
class DeskRow:
    """One comment on the desk, with what the moderator needs beside it."""

    comment: Comment
    history: dict
    reports: list
    folded: bool


@require_GET
def desk(request, *, model_admin, error: str = "", status: int = 200):
    """The queue: the oldest comments waiting (held or reported), whole, with their context."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    waiting = Comment.objects.needs_action()
    rows = list(
        waiting.select_related("article", "parent", "user")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(resolved_at__isnull=True),
                to_attr="open_report_list",
            )
        )
        .order_by("created_at", "pk")[:DESK_SIZE]
    )
    total = len(rows) if len(rows) < DESK_SIZE else waiting.count()
    histories = author_histories(rows)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Moderation desk",
        "opts": Comment._meta,
        "rows": [
            DeskRow(
                comment=comment,
                history=_history(histories.get(_author_key(comment), {})),
                reports=comment.open_report_list,
                folded=len(comment.body) > FOLD_CHARS,
            )
            for comment in rows
        ],
        "total": total,
        "can_decide": model_admin.has_change_permission(request),
        "error": error,
        "is_nav_sidebar_enabled": False,  # the whole width for the comments
    }
    return TemplateResponse(request, "admin/comments/desk/queue.html", context, status=status)


def _author_key(comment: Comment) -> tuple:
    return ("user", comment.user_id) if comment.user_id else ("email", comment.author_email.lower())


def _history(counts: dict) -> list[tuple[str, int]]:
    """The author's comments by status, most telling first, zeros left out."""
    order = ["approved", "pending", "rejected", "spam", "removed", "deleted"]
    labels = dict(Comment.Status.choices)
    return [(labels[status], counts[status]) for status in order if counts.get(status)]


@require_POST
def decide(request, pk: int, *, model_admin):
    """Approve, reject, mark as spam or remove one comment, as the moderator last saw it."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    decision = request.POST.get("decision", "")
    state = request.POST.get("state", "")
    if decision not in DECISIONS or not state:
        return _refuse(request, model_admin, 400, "Choose Approve, Reject, Spam or Remove on the desk.")
    service, done, _ = DECISIONS[decision]
    comment = Comment.objects.filter(pk=pk).first()
    try:
        if comment is None:
            raise Comment.DoesNotExist
        before = comment
        comment = service(comment, moderator=request.user, expected_state=state)
    except services.CommentChanged as refusal:
        return _refuse(request, model_admin, 409, refusal.message)
    except Comment.DoesNotExist:
        return _refuse(request, model_admin, 404, "This comment was deleted meanwhile: nothing was done.")
    reason = request.POST.get("reason", "").strip()[:300]
    model_admin.log_change(request, comment, f"Comment {done}." + (f" Reason: {reason}" if reason else ""))
    message = f"Comment by {comment.author_name} {done}."
    if not _wants_json(request):
        messages.success(request, message)
        return _back(request)
    # before is the row as the moderator saw it; state proved the committed one was the same.
    token = signing.dumps(
        {
            "pk": comment.pk,
            "decided": [comment.status, comment.moderated_at.isoformat()],
            "previous": [
                before.status,
                before.moderated_by_id,
                before.moderated_at.isoformat() if before.moderated_at else None,
            ],
        },
        salt=UNDO_SALT,
    )
    return JsonResponse({"message": message, "status": comment.status, "undo": token, **_counts()})


@require_POST
def undo(request, *, model_admin):
    """Take back a decision made moments ago (the token decide() returned)."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    try:
        data = signing.loads(request.POST.get("token", ""), salt=UNDO_SALT, max_age=UNDO_SECONDS)
    except signing.BadSignature:
        return _refuse(request, model_admin, 400, "Too late to undo that decision: decide the comment again.")
    comment = Comment.objects.filter(pk=data["pk"]).first()
    if comment is None:
        return _refuse(request, model_admin, 404, "This comment was deleted meanwhile: nothing was undone.")
    previous_status, previous_by_id, previous_at = data["previous"]
    try:
        comment = services.undo_decision(
            comment,
            moderator=request.user,
            decided_status=data["decided"][0],
            decided_at=datetime.datetime.fromisoformat(data["decided"][1]),
            previous_status=previous_status,
            previous_by_id=previous_by_id,
            previous_at=datetime.datetime.fromisoformat(previous_at) if previous_at else None,
        )
    except services.CommentChanged as refusal:
        return _refuse(request, model_admin, 409, refusal.message)
    model_admin.log_change(request, comment, f"Decision undone: back to {comment.get_status_display()}.")
    message = f"Undone: the comment by {comment.author_name} is {comment.get_status_display().lower()} again."
    if not _wants_json(request):
        messages.success(request, message)
        return _back(request)
    return JsonResponse({"message": message, "state": services.moderation_state(comment), **_counts()})


@require_GET
def thread(request, pk: int, *, model_admin):
    """The comment in its whole thread, every status shown and marked: where "View on site" lands."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    nodes = Comment.objects.filter(tree_id=comment.tree_id).select_related("article").order_by("lft")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Thread of the comment by {comment.author_name}",
        "opts": Comment._meta,
        "comment": comment,
        "nodes": nodes,
        "can_decide": model_admin.has_change_permission(request),
    }
    return TemplateResponse(request, "admin/comments/desk/thread.html", context)


def _counts() -> dict:
    """The queue's size now, stamped: answers to concurrent decisions arrive in any order, and the
    desk shows the count with the latest stamp (it saw every decision committed before it)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")  # the transaction's start: the count's snapshot is later
            counted_at = cursor.fetchone()[0]
        waiting = Comment.objects.needs_action().count()
    return {"waiting": waiting, "counted_at": (counted_at - EPOCH) // datetime.timedelta(microseconds=1)}


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _back(request):
    """Where a form posted without the script returns: the page it came from, else the desk."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("admin:comments_comment_desk")
    return redirect(target)


def _refuse(request, model_admin, status: int, message: str):
    if _wants_json(request):
        return JsonResponse({"error": message, **_counts()}, status=status)
    request.method = "GET"  # the desk again, as it is now, with the refusal on top
    return desk(request, model_admin=model_admin, error=message, status=status)
