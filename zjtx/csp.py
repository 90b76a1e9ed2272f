"""The Content-Security-Policy of every response (Django 5.2 has none built in).

Scripts, styles, images, fonts and requests from this site only; no plugins, no
<base> elsewhere, forms post only here, and no other site may frame a page
(frame-ancestors, beside X-Frame-Options: DENY).

So pages carry no inline script, event handler or style attribute
(tests/test_security_hardening.py checks every page): the workbench's charts are
static/zjtx/js/workbench-charts.js, which also draws ECharts' tooltips on the canvas
(its default HTML tooltips are full of style attributes); htmx's own indicator
<style> is turned off in base.html and its rules are in site.css. A JSON data block
(`json_script`) is not a script the policy governs.

A response that sets its own policy keeps it (an evidence file is served with
`sandbox`). In development mode (DEBUG) Django's own error pages, which are inline
styles and scripts, are left without one.
"""

from __future__ import annotations

from django.conf import settings

POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's technical 404 and 500 pages (development only)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
