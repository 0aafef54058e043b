from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    """A reader account: a username to show, an email for password resets (never shown)."""

    email = forms.EmailField(
        label="Email",
        help_text="For password resets and, once you confirm it, replies you ask for; never shown.",
        error_messages={"required": "Please give an email address, for password resets."},
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        # Never say whether another account has this address: that account's owner gets a
        # notice instead of a confirmation link (notifications.verification).
        return self.cleaned_data["email"].strip()
