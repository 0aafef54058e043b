import uuid

from django import forms
from django.conf import settings

from comments.models import Comment

PARENT_CHECK_FIELDS = ("id", "article_id", "tree_id", "status")


class CommentForm(forms.Form):
    """A top-level comment or a reply. Guests give a name and an email; members do not."""

    body = forms.CharField(
        label="Comment",
        max_length=settings.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Please write your comment before posting.",
            "max_length": "Your comment is too long: keep it under %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
    )
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label="Name",
        max_length=80,
        error_messages={"required": "Please give a name to show with your comment."},
    )
    email = forms.EmailField(
        label="Email",
        help_text="Never shown to anyone.",
        max_length=254,
        error_messages={
            "required": "Please give your email address; it is never shown.",
            "invalid": "That email address does not look right.",
        },
    )
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, article, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.user = user
        if user is not None and user.is_authenticated:
            del self.fields["name"]
            del self.fields["email"]
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_parent(self) -> Comment | None:
        value = self.cleaned_data["parent"].strip()
        if not value:
            return None
        if not value.isdigit() or len(value) > 18:
            raise forms.ValidationError("The comment you are replying to cannot be found.")
        try:
            # Only what the checks and the thread lock need; post_comment() reads the rest under the lock.
            parent = Comment.objects.only(*PARENT_CHECK_FIELDS).get(pk=int(value), article=self.article)
        except Comment.DoesNotExist:
            raise forms.ValidationError("The comment you are replying to cannot be found.") from None
        if not parent.is_approved:
            raise forms.ValidationError("That comment is no longer open for replies.")
        return parent

    def clean(self):
        cleaned = super().clean()
        if not self.article.is_accepting_comments:
            raise forms.ValidationError("Comments are closed on this article.")
        return cleaned

    def service_kwargs(self) -> dict:
        """The cleaned data as keyword arguments for post_comment()."""
        data = self.cleaned_data
        return {
            "body": data["body"],
            "parent": data["parent"],
            "author_name": data.get("name", ""),
            "author_email": data.get("email", ""),
            "submission_token": data.get("token"),
        }
