"""WSGI entry point for a production server: `gunicorn custodiet.wsgi`."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodiet.settings")
# Settings load without the secrets, for the commands that need none; the server never
# starts without them.
_missing = getattr(settings, "CUSTODIET_MISSING_SECRETS", {})
if _missing:
    raise ImproperlyConfigured("; ".join(_missing.values()))
application = get_wsgi_application()
