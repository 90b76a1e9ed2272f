"""WSGI entry point: `gunicorn zjtx.wsgi` (or any WSGI server) in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zjtx.settings")

application = get_wsgi_application()
