"""PDF documents from Django templates with WeasyPrint; the CJK font is embedded."""

from __future__ import annotations

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which pages never need

    html = render_to_string(template, context)
    return HTML(string=html, base_url=base_url).write_pdf()
