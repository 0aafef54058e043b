"""Heated discussions in the admin (issue 21): articles by heat, each with one-click cooling.

Admin views registered by CommentAdmin.get_urls() behind admin_view(). Each action is a form
POST to a service of comments.services.cooling, which records it in the admin history; the
signals are shown as they are (comments.heat), to the moderators only.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from articles.models import Article
from comments.desk import admin_page
from comments.heat import HEAT_THRESHOLD, HEAT_WINDOW_MINUTES, discussion_heat
from comments.models import Comment
from comments.services import CommentRefused
from comments.services import cooling as controls

ONE_CLICK_SLOW_MODE = 30 * 60  # the list's "slow mode 30 min": one comment every ...
ONE_CLICK_SLOW_INTERVAL = 300  # ... five minutes per author, for thirty minutes

# action: (label, what it does)
ACTIONS = {
    "slow": "Slow mode 30 min",
    "lift_slow": "Lift slow mode",
    "hold": "Hold newcomers",
    "newcomers_off": "Newcomers as usual",
    "close": "Close the discussion",
}


def urls(model_admin) -> list:
    """The heat list and its actions, behind the admin's login and permission checks."""

    def view(function):
        return admin_page(model_admin, function)

    return [
        path("heat/", view(heat), name="comments_comment_heat"),
        path("heat/<int:article_pk>/cool/", view(cool), name="comments_comment_cool"),
    ]


@require_GET
def heat(request, *, model_admin):
    """Articles with comments in the last minutes, hottest first, with their signals."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Heated discussions",
        "opts": Comment._meta,
        "heats": discussion_heat(),
        "window": HEAT_WINDOW_MINUTES,
        "threshold": HEAT_THRESHOLD,
        "actions": ACTIONS,
        "can_change": model_admin.has_change_permission(request),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "admin/comments/heat.html", context)


@require_POST
def cool(request, article_pk: int, *, model_admin):
    """One click from the heat list: a cooling service on the article, recorded with its reason."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    article = get_object_or_404(Article, pk=article_pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()[:200]
    now = timezone.now()
    try:
        if action == "slow":
            until = now + datetime.timedelta(seconds=ONE_CLICK_SLOW_MODE)
            reason = reason or "This discussion is running hot."
            controls.set_slow_mode(
                article,
                seconds=ONE_CLICK_SLOW_INTERVAL,
                until=until,
                reason=reason,
                actor=request.user,
                now=now,
            )
        elif action == "lift_slow":
            controls.lift_slow_mode(article, actor=request.user, reason=reason)
        elif action == "hold":
            controls.set_newcomer_rule(article, rule="hold", reason=reason, actor=request.user)
        elif action == "newcomers_off":
            controls.set_newcomer_rule(article, rule="off", reason=reason, actor=request.user)
        elif action == "close":
            controls.close_discussion(article, actor=request.user, reason=reason)
        else:
            raise CommentRefused("Unknown action.")
    except CommentRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("admin:comments_comment_heat")
    messages.success(request, f"{ACTIONS[action]}: done on “{article.title}”.")
    return redirect("admin:comments_comment_heat")


def _reason(request) -> str:
    return request.POST.get("reason", "").strip()[:200]


@admin.action(description="Lock replies below selected comments", permissions=["change"])
def lock_branches(modeladmin, request, queryset):
    for comment in queryset:
        controls.lock_branch(comment, actor=request.user, reason=_reason(request))
    modeladmin.message_user(request, "Locked: no new replies below those comments.", messages.SUCCESS)


@admin.action(description="Unlock replies below selected comments", permissions=["change"])
def unlock_branches(modeladmin, request, queryset):
    for comment in queryset:
        controls.unlock_branch(comment, actor=request.user, reason=_reason(request))
    modeladmin.message_user(request, "Unlocked.", messages.SUCCESS)


@admin.action(
    description="Slow mode (5 min, for an hour) in the threads of selected comments", permissions=["change"]
)
def slow_threads(modeladmin, request, queryset):
    until = timezone.now() + datetime.timedelta(hours=1)
    for comment in queryset:
        controls.set_thread_slow_mode(
            comment, seconds=ONE_CLICK_SLOW_INTERVAL, until=until, reason=_reason(request), actor=request.user
        )
    modeladmin.message_user(request, "Slow mode set in those threads for an hour.", messages.SUCCESS)


@admin.action(description="Lift slow mode in the threads of selected comments", permissions=["change"])
def lift_slow_threads(modeladmin, request, queryset):
    for comment in queryset:
        controls.lift_thread_slow_mode(comment, actor=request.user, reason=_reason(request))
    modeladmin.message_user(request, "Slow mode lifted in those threads.", messages.SUCCESS)


COMMENT_ACTIONS = [lock_branches, unlock_branches, slow_threads, lift_slow_threads]
