from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):
    """A reader account: a username to show, an email for password resets (never shown)."""

    email = forms.EmailField(
        label="Email",
        help_text="Only for resetting your password; never shown.",
        error_messages={"required": "Please give an email address, for password resets."},
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this email address: try resetting its password."
            )
        return email
