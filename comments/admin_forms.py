import datetime

from django import forms
from django.utils import timezone

from comments.models import Ban


class BanForm(forms.Form):
    """How to ban the authors chosen in the comment list."""

    kinds = forms.MultipleChoiceField(
        label="Ban by",
        choices=Ban.Kind.choices,
        initial=[Ban.Kind.USER, Ban.Kind.EMAIL],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one: account, email address or IP address."},
    )
    days = forms.IntegerField(
        label="For how many days",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty to ban for good.",
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.TextInput(attrs={"size": 60}),
        error_messages={"required": "Please give a reason: it is kept in the history."},
    )

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("days")
        return timezone.now() + datetime.timedelta(days=days) if days else None
