"""Serve duban + the raw floor with waitress on loopback (started by bench_list.py)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import django

django.setup()
from waitress import serve  # noqa: E402

from duban.wsgi import application  # noqa: E402

serve(application, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)
