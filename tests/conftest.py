"""Shared fixtures. ``district`` is the small cast of tests/factories.py::District."""

from __future__ import annotations

import os

import pytest

from tests.factories import District, make_district

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def district(db: None) -> District:
    return make_district()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DUBAN_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> None:
    """The calendar is cached in-process; a test that loaded a year was rolled back, so forget it."""
    from duban.workcal.service import invalidate

    invalidate()
