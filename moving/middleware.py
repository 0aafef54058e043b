"""Old WordPress links keep working: /?p=ID and the post's old path redirect to its article (301).

`/?p=ID` is answered before the view (the home page would otherwise serve it as itself);
the old path only when nothing else answered it (a 404), as Django's redirects app does.
The redirect carries `?moved=<article pk>`: an old comment link's `#comment-<old id>` (a fragment, which
browsers keep across a redirect but never send) is then resolved by the script in static/js/threadline.js.
"""

from django.http import HttpResponsePermanentRedirect

from moving.models import LegacyPost, Source

MARKER = "moved="  # + the article's pk, for static/js/threadline.js
QUERY_IDS = ("p", "page_id")


class OldLinksMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in {"GET", "HEAD"} and request.path == "/" and request.GET:
            for key in QUERY_IDS:
                old_id = request.GET.get(key, "")
                if old_id.isdigit():
                    post = _posts().filter(old_id=old_id).first()
                    if post is not None:
                        return _redirect(post)
        response = self.get_response(request)
        path = request.path
        # PostgreSQL refuses NUL in text: such a path was never a post's permalink.
        if (
            response.status_code == 404
            and request.method in {"GET", "HEAD"}
            and path != "/"
            and "\0" not in path
        ):
            post = _posts().filter(old_path__in={path, path.rstrip("/"), path.rstrip("/") + "/"}).first()
            if post is not None:
                return _redirect(post)
        return response


def _posts():
    return LegacyPost.objects.filter(source=Source.WORDPRESS).select_related("article").order_by("pk")


def _redirect(post: LegacyPost) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(f"{post.article.get_absolute_url()}?{MARKER}{post.article_id}")
