from django import forms

from naive_site.replies.models import Comment


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["author_name", "author_email", "body", "parent"]
        widgets = {"parent": forms.HiddenInput}
