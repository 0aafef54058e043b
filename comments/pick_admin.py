"""The editor's picks in the admin (issue 22): add one (a comment and a note), change its note,
take it back; each through comments.services.picking (audited, the author told)."""

from django import forms
from django.contrib import admin

from comments.models import CommentPick
from comments.services.picking import feature_comment, unfeature_comment


class CommentPickForm(forms.ModelForm):
    class Meta:
        model = CommentPick
        fields = ["comment", "note"]

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if not comment.is_approved:
            raise forms.ValidationError("Only a comment readers can see can be an editor's pick.")
        return comment


@admin.register(CommentPick)
class CommentPickAdmin(admin.ModelAdmin):
    form = CommentPickForm
    list_display = ["comment", "article", "note", "picked_by", "picked_at"]
    list_select_related = ["comment", "article", "picked_by"]
    raw_id_fields = ["comment"]
    date_hierarchy = "picked_at"

    def get_readonly_fields(self, request, obj=None):
        return ["comment"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = feature_comment(obj.comment, moderator=request.user, note=obj.note)
        obj.pk, obj.article_id, obj.picked_by, obj.picked_at = (
            saved.pk, saved.article_id, saved.picked_by, saved.picked_at
        )  # fmt: skip

    def delete_model(self, request, obj):
        unfeature_comment(obj.comment, moderator=request.user)

    def delete_queryset(self, request, queryset):
        for pick in queryset.select_related("comment"):
            unfeature_comment(pick.comment, moderator=request.user)

    def log_addition(self, request, obj, message):
        pass  # audited on the comment by the service

    log_change = log_deletion = log_addition
