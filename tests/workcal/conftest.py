"""Fixtures for the stored calendar's tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from duban.workcal import service

FILE_2027 = 'year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\nname = "元旦"\n'


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def hook_calls() -> Iterator[list[dict[str, Any]]]:
    """Records every ``year_loaded`` hook call made during the test."""
    calls: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> None:
        calls.append(kwargs)

    service.year_loaded.append(record)
    try:
        yield calls
    finally:
        service.year_loaded.remove(record)


@pytest.fixture
def file_2027(tmp_path: Path) -> Path:
    path = tmp_path / "2027.toml"
    path.write_text(FILE_2027, encoding="utf-8")
    return path
