import uuid

from django import forms
from django.conf import settings

from comments.models import Comment
from protection.forms import BotTrapMixin
from protection.text import has_bidi_controls_or_controls, has_visible_text


class CommentForm(BotTrapMixin, forms.Form):
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
    token = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "This form was damaged on its way to us: please reload the page and post again."
        },
    )

    def __init__(self, *args, article, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.user = user
        if user is not None and user.is_authenticated:
            del self.fields["name"]
            del self.fields["email"]
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not has_visible_text(body):
            raise forms.ValidationError(self.fields["body"].error_messages["required"])
        return body

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not has_visible_text(name):
            raise forms.ValidationError(self.fields["name"].error_messages["required"])
        if has_bidi_controls_or_controls(name):
            raise forms.ValidationError(
                "Please use only visible characters in your name (no direction or control characters)."
            )
        return name

    def clean_parent(self) -> Comment | None:
        value = self.cleaned_data["parent"].strip()
        if not value:
            return None
        if not value.isdigit() or len(value) > 18:
            raise forms.ValidationError("The comment you are replying to cannot be found.")
        parent = Comment.objects.filter(pk=int(value), article=self.article).first()
        if parent is None:
            raise forms.ValidationError("The comment you are replying to cannot be found.")
        if not parent.is_approved:
            raise forms.ValidationError("That comment is no longer open for replies.")
        return parent

    def clean(self):
        cleaned = super().clean()
        if not self.article.is_accepting_comments:
            raise forms.ValidationError("Comments are closed on this article.")
        return cleaned

    def repeated_submission(self) -> Comment | None:
        """The comment this very form already stored (sent twice), if any."""
        token = self.cleaned_data.get("token")
        return Comment.objects.filter(submission_token=token).first() if token else None

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
