"""The moderation desk: the comment queue, its actions, and (moderation_admin) rules, terms, bans, reports."""

from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ChangeList
from django.db.models import Prefetch, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import ngettext
from mptt.admin import MPTTModelAdmin

from comments import desk, heat_admin, services
from comments.admin_forms import BanForm
from comments.models import Comment, Report
from comments.moderation_admin import author_histories
from comments.services.privacy import FORMER_READER, anonymise_author

ACTIONS = {
    # action name: (service, label, past tense for messages and the admin history)
    "approve": (services.approve_comment, "Approve selected comments", "approved"),
    "reject": (services.reject_comment, "Reject selected comments", "rejected"),
    "spam": (services.mark_spam, "Mark as spam selected comments", "marked as spam"),
    "remove": (services.remove_comment, "Remove selected comments (replies stay)", "removed"),
    "restore": (services.restore_comment, "Restore selected comments", "restored"),
}
QUEUES = {
    "action": ("Needs action", Q(status=Comment.Status.PENDING) | Q(report_count__gt=0)),
    "pending": ("Pending", Q(status=Comment.Status.PENDING)),
    "reported": ("Reported", Q(report_count__gt=0)),
    "all": ("All comments", None),
}


class ReasonActionForm(ActionForm):
    reason = admin.helpers.forms.CharField(
        required=False,
        max_length=300,
        label="Reason",
        help_text="Kept in each comment's history.",
        widget=admin.helpers.forms.TextInput(attrs={"placeholder": "Reason (optional)", "size": 30}),
    )
    # Issue 21: what a removed comment's placeholder names ("removed: abuse"); empty: the reports'.
    category = admin.helpers.forms.ChoiceField(
        required=False,
        label="Removal category",
        choices=[("", "Removal category: from the reports"), *Report.Reason.choices],
    )


def _with_reason(message: str, request) -> str:
    reason = request.POST.get("reason", "").strip()[:300]
    return f"{message} Reason: {reason}" if reason else message


def _plural(count: int) -> str:
    return ngettext("%(count)d comment", "%(count)d comments", count) % {"count": count}


def _moderation_action(name: str):
    service, label, done = ACTIONS[name]

    @admin.action(description=label, permissions=["change"])
    def action(modeladmin, request, queryset):
        count = 0
        for comment in queryset:
            extra = {"category": request.POST.get("category", "")} if name == "remove" else {}
            try:
                comment = service(comment, moderator=request.user, **extra)
            except Comment.DoesNotExist:
                continue  # deleted by another moderator since the list was shown
            modeladmin.log_change(request, comment, _with_reason(f"Comment {done}.", request))
            count += 1
        modeladmin.message_user(request, f"{_plural(count)} {done}.", messages.SUCCESS)

    action.__name__ = f"{name}_comments"
    return action


@admin.action(description="Remove selected comments with all their replies", permissions=["change"])
def remove_threads(modeladmin, request, queryset):
    total = 0
    for comment in queryset.order_by("tree_id", "lft"):
        changed = services.remove_thread(comment, moderator=request.user)
        if changed:
            modeladmin.log_change(
                request,
                comment,
                _with_reason(f"Comment removed with its replies ({changed} comments).", request),
            )
        total += changed
    modeladmin.message_user(request, f"{_plural(total)} removed.", messages.SUCCESS)


@admin.action(description="Ban the authors of selected comments…", permissions=["change"])
def ban_authors(modeladmin, request, queryset):
    """An intermediate page asks how (account, email, IP), for how long and why."""
    comments = list(queryset.select_related("user"))
    form = BanForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        bans, removed = [], []
        for comment in comments:
            made, gone = services.ban_author(
                comment,
                moderator=request.user,
                kinds=set(form.cleaned_data["kinds"]),
                reason=reason,
                expires_at=form.expires_at(),
            )
            for ban in made:
                modeladmin.log_change(request, comment, f"Author banned ({ban}). Reason: {reason}")
            for gone_comment in gone:
                modeladmin.log_change(
                    request, gone_comment, f"Comment removed: its author was banned. Reason: {reason}"
                )
            bans += made
            removed += gone
        modeladmin.message_user(
            request,
            ngettext("%(count)d ban made", "%(count)d bans made", len(bans)) % {"count": len(bans)}
            + "; "
            + ngettext(
                "%(count)d pending comment removed.", "%(count)d pending comments removed.", len(removed)
            )
            % {"count": len(removed)},
            messages.SUCCESS if bans else messages.WARNING,
        )
        return redirect("admin:comments_comment_desk") if request.POST.get("from_desk") else None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Ban the authors",
        "comments": comments,
        "form": form,
        "opts": modeladmin.model._meta,
        "action_name": "ban_authors",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "from_desk": bool(request.POST.get("from_desk")),
    }
    return TemplateResponse(request, "admin/comments/comment/ban_authors.html", context)


class QueueFilter(admin.SimpleListFilter):
    """The moderation queue. Opening the list with no filter or search shows what needs action."""

    title = "queue"
    parameter_name = "queue"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.default = default_queue(request)

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in QUEUES.items()]

    def value(self):
        value = super().value()
        return value if value in QUEUES else self.default

    def choices(self, changelist):
        for key, label in self.lookup_choices:
            yield {
                "selected": self.value() == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }

    def queryset(self, request, queryset):
        narrow = QUEUES[self.value()][1]
        return queryset if narrow is None else queryset.filter(narrow)


def default_queue(request) -> str:
    """The queue when the URL names none: "action" for a bare GET, else everything (search,
    other filters, and actions posted on selected pks)."""
    given = set(request.GET) - {"o", "p", "queue"}
    if "queue" in request.GET and request.GET["queue"] in QUEUES:
        return request.GET["queue"]
    return "action" if request.method == "GET" and not given else "all"


class ModerationChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # One query for every author on the page, not one per row.
        self.result_list = list(self.result_list)
        histories = author_histories(self.result_list)
        flat = default_queue(request) != "all"  # the queue is oldest first, not a tree
        for comment in self.result_list:
            comment.author_history = histories.get(_author_key(comment), {})
            comment.in_queue = flat


def _author_key(comment):
    return ("user", comment.user_id) if comment.user_id else ("email", comment.author_email.lower())


@admin.action(description="Anonymise the authors of selected comments (on request)", permissions=["change"])
def anonymise_authors(modeladmin, request, queryset):
    """Name to "Former reader", email and IP addresses erased on all the author's comments."""
    count = 0
    for comment in queryset.select_related("user"):
        comment.refresh_from_db()
        if comment.author_name == FORMER_READER and not comment.author_email:
            continue  # an earlier comment of this selection had the same author
        count += anonymise_author(comment)
        comment.refresh_from_db()  # the history names it by its new author
        modeladmin.log_change(request, comment, "Author anonymised on request.")
    modeladmin.message_user(
        request,
        f"Authors anonymised: {_plural(count)} now by “Former reader”.",
        messages.SUCCESS,
    )


@admin.register(Comment)
class CommentAdmin(MPTTModelAdmin):
    list_display = [
        "indented_excerpt", "author", "history", "article_title", "in_reply_to", "status_and_reason",
        "reports", "created_at",
    ]  # fmt: skip
    list_display_links = ["indented_excerpt"]
    list_filter = [QueueFilter, "status", "article"]
    search_fields = ["body", "author_name", "author_email"]
    list_per_page = 100
    show_full_result_count = False  # a COUNT(*) of every comment ever, on each page, for one number
    # Tree order within each article: the newest article first, threads oldest first.
    ordering = ["-article__published_at", "article_id", "tree_id", "lft"]
    action_form = ReasonActionForm
    actions = [
        *(_moderation_action(name) for name in ACTIONS),
        remove_threads,
        ban_authors,
        anonymise_authors,
        *heat_admin.COMMENT_ACTIONS,  # issue 21: locks and a thread's slow mode
    ]
    readonly_fields = [
        "article", "parent", "user", "author_email", "status", "hold_reason", "created_at", "edited_at",
        "ip_address", "user_agent", "report_count", "open_reports", "moderated_by", "moderated_at",
    ]  # fmt: skip
    fields = [
        "article", "parent", "user", "author_name", "author_email", "body", "status", "hold_reason",
        "created_at", "edited_at", "ip_address", "user_agent", "report_count", "open_reports",
        "moderated_by", "moderated_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("article", "parent")
            .prefetch_related(
                Prefetch(
                    "reports",
                    queryset=Report.objects.filter(resolved_at__isnull=True),
                    to_attr="open_report_list",
                )
            )
        )

    def get_changelist(self, request, **kwargs):
        return ModerationChangeList

    def get_ordering(self, request):
        if default_queue(request) in {"action", "pending", "reported"}:
            return ["created_at", "pk"]  # the queue: oldest first, so nothing waits forever
        return self.ordering

    # Django's own changelist: mptt's adds inline style attributes, which the CSP refuses;
    # indented_excerpt indents the tree with classes instead.
    change_list_template = "admin/change_list.html"
    change_form_template = "admin/comments/comment/change_form.html"  # the desk's decisions on top

    def get_urls(self):
        return (
            desk.urls(self) + heat_admin.urls(self) + super().get_urls()
        )  # before the admin's catch-all <object_id>/

    def view_on_site(self, comment):
        """For moderators: the comment in its thread, whatever its status (a reader's page shows
        neither held nor removed comments)."""
        return reverse("admin:comments_comment_thread", args=[comment.pk]) + f"#comment-{comment.pk}"

    class Media:
        css = {"all": ["comments/admin.css"]}

    @admin.display(description="Comment", ordering="tree_id")
    def indented_excerpt(self, comment):
        if getattr(comment, "in_queue", False):
            return Truncator(" ".join(comment.body.split())).chars(240)
        # A class, not a style attribute: the Content-Security-Policy allows no inline styles.
        return format_html('<span class="depth-{}">{}</span>', min(comment.level, 12), comment.excerpt)

    @admin.display(description="Author", ordering="author_name")
    def author(self, comment):
        who = "account" if comment.user_id else (comment.author_email or "no email")
        return format_html(
            "{}<br><small>{} · {}</small>", comment.author_name, who, comment.ip_address or "no IP"
        )

    @admin.display(description="Author's history")
    def history(self, comment):
        counts = getattr(comment, "author_history", {})
        return format_html(
            '<span title="approved / rejected / spam">✔ {} · ✘ {} · spam {}</span>',
            counts.get("approved", 0),
            counts.get("rejected", 0),
            counts.get("spam", 0),
        )

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, comment):
        return Truncator(comment.article.title).chars(40)

    @admin.display(description="In reply to")
    def in_reply_to(self, comment):
        if comment.parent is None:
            return "—"
        return format_html("<small>{}: {}</small>", comment.parent.author_name, comment.parent.excerpt)

    @admin.display(description="Status", ordering="status")
    def status_and_reason(self, comment):
        if comment.hold_reason and comment.status == Comment.Status.PENDING:
            return format_html("{}<br><small>{}</small>", comment.get_status_display(), comment.hold_reason)
        return comment.get_status_display()

    @admin.display(description="Reports", ordering="report_count")
    def reports(self, comment):
        reports = getattr(comment, "open_report_list", [])
        if not reports:
            return "—"
        reasons = Counter(str(report) for report in reports)
        return format_html(
            "<strong>{}</strong><ul class='reports'>{}</ul>",
            len(reports),
            format_html_join(
                "", "<li>{}{}</li>", ((reason, f" ×{n}" if n > 1 else "") for reason, n in reasons.items())
            ),
        )

    @admin.display(description="Open reports")
    def open_reports(self, comment):
        return (
            format_html_join(
                "",
                "<p>{} ({})</p>",
                ((str(r), r.created_at) for r in comment.reports.filter(resolved_at=None)),
            )
            or "—"
        )

    def has_add_permission(self, request):
        return False  # comments come from readers, through post_comment()

    def get_actions(self, request):
        # Django's delete_selected (with its confirmation page), not mptt's tree
        # variant: it ends in delete_queryset() below, which goes through the service.
        return ModelAdmin.get_actions(self, request)

    def save_model(self, request, obj, form, change):
        # The change form edits text only; the service re-renders it and expires the thread's cache.
        services.edit_comment(
            obj,
            body=form.cleaned_data["body"],
            author_name=form.cleaned_data["author_name"],
            by_moderator=True,
        )

    def delete_model(self, request, obj):
        services.delete_comment(obj)

    def delete_queryset(self, request, queryset):
        for comment in queryset.order_by("tree_id", "lft"):
            services.delete_comment(comment)  # 0 when already gone with an ancestor


from comments import pick_admin  # noqa: E402, F401  (issue 22: the editor's picks)
