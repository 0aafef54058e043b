"""A reply page and its POST, as a tutorial would write them: no locking, django-mptt's save()."""

from django.shortcuts import get_object_or_404, redirect, render

from naive_site.replies.forms import ReplyForm
from naive_site.replies.models import Article, Comment


def article(request, slug):
    article = get_object_or_404(Article, slug=slug)
    return render(request, "replies/article.html", {"article": article, "comments": article.comments.all()})


def reply(request, pk):
    parent = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    if request.method == "POST":
        form = ReplyForm(request.POST, instance=Comment(article=parent.article))
        if form.is_valid():
            comment = form.save()
            return redirect(f"{parent.article.get_absolute_url()}#comment-{comment.pk}")
    else:
        form = ReplyForm(initial={"parent": parent.pk})
    return render(request, "replies/reply.html", {"form": form, "parent": parent})
