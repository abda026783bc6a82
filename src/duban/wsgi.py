"""WSGI entry point: ``gunicorn duban.wsgi`` or ``duban serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
application = get_wsgi_application()

from duban.runtime import freeze_startup_heap, load_urls  # noqa: E402

load_urls()  # what the first request would import anyway (views, the API and its schemas)
freeze_startup_heap()
