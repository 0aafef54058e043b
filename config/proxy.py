"""The client's address when Threadline sits behind trusted reverse proxies.

gunicorn sees the proxy's address in REMOTE_ADDR. With TRUSTED_PROXY_COUNT=N (nginx alone:
1; a load balancer then nginx: 2) the client is the Nth address from the right of
X-Forwarded-For: the entries to its left were written by the client and are not trusted.
With 0 (the default, no proxy) the header is ignored, so nobody can forge an address.
"""

import ipaddress

from django.conf import settings


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = settings.TRUSTED_PROXY_COUNT
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if count > 0 and forwarded:
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= count:
                client = hops[-count]
                try:
                    ipaddress.ip_address(client)
                except ValueError:
                    pass  # a garbled header: keep the proxy's address rather than a made-up one
                else:
                    request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
