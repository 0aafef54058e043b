from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from config.client import forwarded_client, is_loopback_client


def build_policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response (scripts only from our static files).

    Django 5.2 has no CSP of its own; a view may set its own header, which is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy(settings.CONTENT_SECURITY_POLICY)
        self.permissions = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 400:
            return response  # Django's debug pages are made of inline scripts and styles
        response.headers.setdefault("Content-Security-Policy", self.policy)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


class ClientAddressMiddleware:
    """Behind TRUSTED_PROXY_COUNT proxies, REMOTE_ADDR becomes the client's address.

    Each proxy appends the address it saw to X-Forwarded-For, so the entry that many places
    from the right is the one the outermost trusted proxy saw: entries further left are the
    client's to forge. The header is read only when the peer is one of TRUSTED_PROXIES: with
    gunicorn reachable directly, anyone could otherwise name any address. Rate limits and the
    comments' IP addresses read the result through config.client.client_ip().
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.count = settings.TRUSTED_PROXY_COUNT

    def __call__(self, request):
        if self.count > 0 and "HTTP_X_FORWARDED_FOR" in request.META:
            request.META["REMOTE_ADDR"] = forwarded_client(
                request.META.get("REMOTE_ADDR", ""), request.META["HTTP_X_FORWARDED_FOR"], self.count
            )
        return self.get_response(request)


class RequestLimitsMiddleware:
    """Refuse, before anything reads the body or looks the path up: a body larger than
    REQUEST_MAX_BYTES (413; without nginx in front, Django would spool a multipart body of any
    size before the CSRF check), and a NUL byte in the path (404; PostgreSQL refuses NUL in
    text, so a profile lookup carrying one failed with a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(request, 400, "The request's Content-Length is not a number.")
        limit, takes_files = _body_limits(request.path)
        if length > limit:
            return _plain(request, 413, "This request is too large.")
        if not takes_files:
            request.upload_handlers = [NoFiles(request)]
        if "\x00" in request.path:  # no page's address has one
            return _plain(request, 404, "No page has this address: it contains a NUL character.")
        return self.get_response(request)


def _body_limits(path: str) -> tuple[int, bool]:
    """How large a body may be and whether it may carry a file: REQUEST_MAX_BYTES and no file,
    but on the few paths that take one (LARGE_REQUEST_PATHS: the setting that bounds each, whose
    own check then answers with a message)."""
    for prefix, setting in settings.LARGE_REQUEST_PATHS.items():
        if path.startswith(prefix):
            return getattr(settings, setting) + settings.REQUEST_MAX_BYTES, True
    return settings.REQUEST_MAX_BYTES, False


class NoFiles(FileUploadHandler):
    """A form that takes no file refuses a body carrying one (400), before any of it is spooled."""

    def new_file(self, *args, **kwargs):
        raise TooManyFilesSent("This form takes no files.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


class PrivatePagesMiddleware:
    """Pages served to a signed-in reader (or anyone with a session) are for them alone: no shared
    cache (a CDN, a proxy) may keep one, whatever the view said."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        if has_session or (hasattr(request, "user") and request.user.is_authenticated):
            patch_cache_control(response, private=True)
        return response


class DebugPagesForLoopbackMiddleware:
    """With DEBUG, Django's technical error pages (settings, code, URL patterns) only for a client
    on this machine talking to us directly; anyone else gets the site's plain error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and _is_technical_page(response) and not is_loopback_client(request):
            page = render_to_string(f"{response.status_code}.html", request=request)
            return HttpResponse(page, status=response.status_code)
        return response


def _is_technical_page(response) -> bool:
    # Django's technical_404.html and technical_500.html both carry this robots meta tag.
    content = b"" if response.streaming else response.content[:2000]
    return response.status_code in (404, 500) and b"NONE,NOARCHIVE" in content


def _plain(request, status: int, message: str) -> HttpResponse:
    return HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
