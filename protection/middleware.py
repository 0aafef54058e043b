from django.conf import settings

from config.client import forwarded_client


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
