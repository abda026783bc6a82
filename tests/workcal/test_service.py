"""The stored, editable calendar (SPEC §8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from duban.workcal import service
from duban.workcal.models import CalendarChange, CalendarYear

pytestmark = pytest.mark.django_db


def test_fresh_install_has_2026_loaded_from_the_package() -> None:
    calendar = service.current_calendar()
    assert 2026 in calendar.loaded_years
    assert calendar.is_workday(dt.date(2026, 10, 10)) and not calendar.is_workday(dt.date(2026, 10, 1))


def test_SPEC_8_office_corrects_a_day_with_history_and_cache_invalidation() -> None:
    day = dt.date(2026, 6, 1)
    assert service.current_calendar().is_workday(day)
    with pytest.raises(ValueError):
        service.set_day(day, False, "地方假日", reason=" ", now=timezone.now())
    service.set_day(day, False, "地方假日", reason="区政府通知", now=timezone.now())
    assert not service.current_calendar().is_workday(day)
    change = CalendarChange.objects.get(action="set_day")
    assert change.before == {"is_workday": True, "name": ""} and change.reason == "区政府通知"


def test_SPEC_8_load_2027_from_file_fires_hooks(tmp_path: Path) -> None:
    calls: list[int] = []
    service.year_loaded.append(lambda **kw: calls.append(kw["year"]))
    try:
        path = tmp_path / "2027.toml"
        path.write_text('year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = false\nname = "元旦"\n', encoding="utf-8")
        assert service.current_calendar().is_provisional(dt.date(2027, 1, 1))
        year, count = service.load_year_from_file(path, now=timezone.now())
        assert (year, count) == (2027, 1) and calls == [2027]
        assert not service.current_calendar().is_provisional(dt.date(2027, 1, 1))
        assert CalendarYear.objects.get(year=2027).source == "file"
    finally:
        service.year_loaded.pop()


def test_package_refuses_a_year_it_does_not_cover() -> None:
    with pytest.raises(ValueError, match="2027"):
        service.load_year_from_package(2027, now=timezone.now())


def test_calendar_command_reports_bad_file_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("year = 2027\n[[day]]\ndate = 2027-13-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.toml"):
        call_command("duban_calendar", "load-file", str(path))


def test_calendar_page_warns_in_november_and_office_corrects_a_day(settings: object) -> None:
    from django.test import Client

    from duban.core.lifecycle import Role
    from tests.factories import JurisdictionFactory, UserFactory

    jurisdiction = JurisdictionFactory()
    alice = UserFactory(jurisdiction=jurisdiction, roles=[Role.OFFICE_STAFF])
    client = Client()
    client.force_login(alice)
    page = client.get("/calendar/?month=2026-10").content.decode()
    assert "国庆节" in page and "调休上班" in page
    response = client.post("/calendar/edit/", {"action": "set_day", "date": "2026-06-01", "workday": "0",
                                               "name": "地方假日", "reason": "区政府通知"})
    assert response.status_code == 302 and not service.current_calendar().is_workday(dt.date(2026, 6, 1))
    unit_person = UserFactory(jurisdiction=jurisdiction, roles=[Role.UNIT_LIAISON])
    other = Client()
    other.force_login(unit_person)
    assert other.post("/calendar/edit/", {"action": "load_package", "year": "2026"}).status_code == 403


def test_SPEC_8_local_holiday_applies_to_its_jurisdiction_only() -> None:
    from django.test import Client

    from duban.core.lifecycle import Role
    from tests.factories import JurisdictionFactory, UserFactory

    here, there = JurisdictionFactory(), JurisdictionFactory()
    alice = UserFactory(jurisdiction=here, roles=[Role.OFFICE_STAFF])
    client = Client()
    client.force_login(alice)
    client.post("/calendar/edit/", {"action": "set_day", "date": "2026-06-02", "workday": "0", "scope": "local",
                                    "name": "地方假日", "reason": "区政府通知"})
    assert not service.current_calendar(here.pk).is_workday(dt.date(2026, 6, 2))
    assert service.current_calendar(there.pk).is_workday(dt.date(2026, 6, 2))
    assert service.current_calendar().is_workday(dt.date(2026, 6, 2))
