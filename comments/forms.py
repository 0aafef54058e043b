import uuid
from functools import cached_property

from django import forms
from django.conf import settings
from django.utils.text import normalize_newlines

from comments.models import Report
from protection.forms import BotTrapMixin
from protection.text import has_bidi_controls_or_controls, has_visible_text


class CommentTextField(forms.CharField):
    """Line breaks count as one character, as the browser's counter counts them (forms send CRLF)."""

    def to_python(self, value):
        return normalize_newlines(super().to_python(value))

    def widget_attrs(self, widget):
        """No maxlength on the textarea: the browser would cut a long paste without a word
        (issue 20). The limit is shown instead (help text, the script's counter) and enforced
        here with a clear error."""
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["data-maxlength"] = attrs.pop("maxlength")
        return attrs


class CommentForm(BotTrapMixin, forms.Form):
    """A top-level comment or a reply. Guests give a name and an email; members do not."""

    body = CommentTextField(
        label="Comment",
        max_length=settings.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Up to {settings.COMMENT_MAX_LENGTH:,} characters.",
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
    # Issue 21: "tell me first if it would be held" (the form says so once, with the reason;
    # the form it brings back has this off, so posting again stores the comment as held).
    # Absent (a script, an old form): stored as held at once, as before.
    check_hold = forms.BooleanField(required=False, initial=True, widget=forms.HiddenInput)
    notify_replies = forms.BooleanField(
        label="Notify me when someone replies",
        required=False,
        help_text="By email. We first send you a link to confirm the address.",
    )

    def __init__(self, *args, article, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.user = user
        if user is not None and user.is_authenticated:
            del self.fields["name"]
            del self.fields["email"]
            # Members are offered reply emails here too (issue 20); ticking it turns on the
            # setting of their Email settings page, where they turn it off.
            # No query for their current choice: ticking turns it on (again), leaving it does nothing.
            notify = self.fields["notify_replies"]
            notify.label = "Email me when someone replies to my comments"
            notify.help_text = "Turns on reply emails for all your comments; Email settings turns them off."
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())

    @cached_property
    def hold_note(self) -> str:
        """Before posting: first comments are reviewed, and how long that usually takes (issue 20)."""
        from comments.held_notices import before_posting_note, first_comments_held

        return before_posting_note() if first_comments_held() else ""

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

    def clean_parent(self) -> int | None:
        value = self.cleaned_data["parent"].strip()
        if not value:
            return None
        if not value.isdigit() or len(value) > 18:
            raise forms.ValidationError("The comment you are replying to cannot be found.")
        # Only the id (no model instance: making one cost more than the rest of the field's
        # cleaning): the post reads the parent once, under its thread's lock, and checks there
        # that it belongs to this article and can take replies (issue 9).
        return int(value)

    def clean(self):
        cleaned = super().clean()
        if not self.article.is_accepting_comments:
            raise forms.ValidationError("Comments are closed on this article.")
        return cleaned

    def service_kwargs(self) -> dict:
        """The cleaned data as keyword arguments for submit_comment()."""
        data = self.cleaned_data
        return {
            "body": data["body"],
            "parent_pk": data["parent"],
            "author_name": data.get("name", ""),
            "author_email": data.get("email", ""),
            "submission_token": data.get("token"),
            "hold_confirmed": not data.get("check_hold"),
        }

    def confirm_hold(self) -> None:
        """Shown again after the hold notice: posting this form again stores the comment as held."""
        self.data = self.data.copy()
        self.data[self.add_prefix("check_hold")] = ""


class ReportForm(forms.Form):
    """A reader flags a comment for the moderators."""

    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose a reason.", "invalid_choice": "Please choose a reason."},
    )
    text = forms.CharField(
        label="Details",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for “Something else”; optional otherwise.",
        error_messages={"max_length": "Please keep the details under %(limit_value)d characters."},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Report.Reason.OTHER and not cleaned.get("text", "").strip():
            self.add_error("text", "Please say what is wrong with the comment.")
        return cleaned


class CommentEditForm(forms.Form):
    """The author's new text for a comment, within the edit window."""

    body = CommentForm.base_fields["body"]


class PreviewForm(forms.Form):
    """Text to preview: the same limit as a comment, nothing stored."""

    body = CommentTextField(max_length=settings.COMMENT_MAX_LENGTH, required=False)


def fresh_form_token(request) -> str:
    """A new idempotency token for a shared page's comment form (settings.PAGECACHE_FILLERS)."""
    return str(uuid.uuid4())
