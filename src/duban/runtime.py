"""Process start-up shared by every entry point (the ``duban`` command, WSGI, the benchmarks).

Decision — freeze the start-up heap. Once Django is set up, the process holds a few hundred thousand
objects (modules, models, URL patterns, translations) that live as long as it does. Python's cyclic
garbage collector rescans all of them at every full collection, and a batch action (500 items, their
rows and events) triggers several: measured on the lifecycle bench, 17 % of the batch path's CPU went to
the collector, 13 points of it to rescanning that start-up heap. ``gc.freeze()`` moves what exists after
start-up into the permanent generation, which the collector skips; everything created later is collected
as before, so nothing leaks. (The same call is what CPython recommends before forking workers.)
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect once, then exempt every surviving object from future collections. Returns how many
    objects were frozen (idempotent: a second call only adds what was created since)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def load_urls() -> None:
    """Import the URL configuration and everything it names (views, the API, its schemas): a web
    process does this before its first request, so the objects are part of the start-up heap."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)


def setup() -> None:
    """``django.setup()`` followed by ``freeze_startup_heap``: what a duban process does before work."""
    import django

    django.setup()
    freeze_startup_heap()
