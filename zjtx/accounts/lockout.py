"""The client address the login lock-out (django-axes) counts failures by.

Five failures for one username from one address lock that pair out
(AXES_LOCKOUT_PARAMETERS). Behind the reverse proxy of the README (ZJTX_BEHIND_PROXY=1)
every request comes from the proxy's address, so the lock-out would be per username
only and anyone could lock an officer out. There the address is the last entry of
X-Forwarded-For: the one the proxy appended, the peer it saw (nginx's
$proxy_add_x_forwarded_for). Entries before it are whatever the client sent and are
never trusted. Without the proxy setting the header is ignored (a client could send
any), and REMOTE_ADDR is the address.

axes 8 would do this with django-ipware (AXES_IPWARE_*), an optional extra that is
not installed; this is the one rule we need, as AXES_CLIENT_IP_CALLABLE.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    if not getattr(settings, "ZJTX_BEHIND_PROXY", False):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if not hops:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-1]))
    except ValueError:  # not an address: the proxy did not write it
        return remote
