"""duban's WSGI application under waitress on loopback (started by bench_load.py)."""

import logging
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

import django

django.setup()
from waitress import serve  # noqa: E402

from duban.wsgi import application  # noqa: E402

logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 50 clients on 16 threads: queueing is expected

serve(application, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]), _quiet=True,
      connection_limit=200, channel_timeout=60)
