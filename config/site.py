"""The site's public origin (scheme://host[:port]) for absolute URLs and cache keys.

From SITE_URL, never from the request's Host header: every port or spelling of an allowed host
would otherwise be a new full-page cache entry, a reset link pointing wherever the sender
chose, and an og:url frozen from whoever read the page first. Only in DEBUG, with SITE_URL not
set, does the request name it (runserver on any port just works).
"""

from django.conf import settings


def site_origin(request=None) -> str:
    """scheme://host[:port] of the public site, without a trailing slash."""
    if settings.DEBUG and not settings.SITE_URL_IS_SET and request is not None:
        return request.build_absolute_uri("/").removesuffix("/")
    return settings.SITE_URL


def absolute_url(path: str, request=None) -> str:
    """The public address of a site path ("/articles/x/" -> "https://example.org/articles/x/")."""
    return site_origin(request) + path


def origin(request) -> dict:
    """Context processor: {{ site_origin }} for canonical and og:url links."""
    return {"site_origin": site_origin(request)}
