"""The stored, editable calendar (SPEC §8): loading, correcting, caching, history, the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from duban.core.calendar import CalendarFileError
from duban.core.lifecycle import Role
from duban.workcal import service
from duban.workcal.models import CalendarChange, CalendarDay, CalendarYear
from tests.factories import JurisdictionFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date


def _command(*args: str) -> str:
    out = StringIO()
    call_command("duban_calendar", *args, stdout=out)
    return out.getvalue()


# --- a fresh install --------------------------------------------------------------------------------


def test_SPEC_8_fresh_install_has_2025_and_2026_loaded_from_the_package() -> None:
    calendar = service.current_calendar()
    assert {2025, 2026} <= calendar.loaded_years and 2027 not in calendar.loaded_years
    assert set(CalendarYear.objects.filter(jurisdiction=None, year__in=[2025, 2026]).values_list("source", flat=True)) \
        == {"package"}
    assert calendar.is_workday(D(2026, 2, 14)) and calendar.is_workday(D(2026, 10, 10))
    assert not calendar.is_workday(D(2026, 2, 17)) and not calendar.is_workday(D(2026, 10, 1))
    assert CalendarChange.objects.filter(year=2026, action="load_package").exists()


# --- caching ----------------------------------------------------------------------------------------


def test_SPEC_8_deadline_calculation_does_not_query_per_day(django_assert_num_queries: Any) -> None:
    service.current_calendar()
    with django_assert_num_queries(0):
        calendar = service.current_calendar()
        assert calendar.add_working_days(D(2026, 1, 5), 200).date.year == 2026
        assert calendar.working_days_between(D(2026, 1, 1), D(2026, 12, 31)) > 200


def test_another_process_change_is_seen_after_the_recheck_interval(settings: Any) -> None:
    day = D(2026, 6, 3)
    assert service.current_calendar().is_workday(day)
    # Another process writes a correction (bypassing this process's cache invalidation).
    CalendarDay.objects.create(date=day, is_workday=False, name="地方假日")
    CalendarChange.objects.create(date=day, year=2026, action="set_day", at=dt.datetime.now(dt.UTC))
    settings.DUBAN_CALENDAR_RECHECK_SECONDS = 3600
    assert service.current_calendar().is_workday(day)  # still cached within the interval
    settings.DUBAN_CALENDAR_RECHECK_SECONDS = 0
    assert not service.current_calendar().is_workday(day)


# --- corrections ------------------------------------------------------------------------------------


def test_SPEC_8_office_corrects_a_day_with_history_and_cache_invalidation(now: dt.datetime) -> None:
    day = D(2026, 6, 1)
    assert service.current_calendar().is_workday(day)
    with pytest.raises(ValueError, match="理由"):
        service.set_day(day, False, "地方假日", reason=" ", now=now)
    actor = UserFactory()
    service.set_day(day, False, "地方假日", actor=actor, reason="区政府通知", now=now)
    assert not service.current_calendar().is_workday(day)
    assert service.current_calendar().day_name(day) == "地方假日"
    change = CalendarChange.objects.get(action="set_day")
    assert change.before == {"is_workday": True, "name": ""}
    assert change.after == {"is_workday": False, "name": "地方假日"}
    assert (change.reason, change.actor, change.at, change.date) == ("区政府通知", actor, now, day)


def test_SPEC_8_correcting_a_holiday_back_records_what_it_was(now: dt.datetime) -> None:
    service.set_day(D(2026, 10, 10), False, reason="假设更正", now=now)
    assert not service.current_calendar().is_workday(D(2026, 10, 10))
    change = CalendarChange.objects.get(action="set_day")
    assert change.before == {"is_workday": True, "name": "调休上班"}
    service.set_day(D(2026, 10, 10), True, reason="恢复", now=now)
    assert service.current_calendar().day_name(D(2026, 10, 10)) == "调休上班"  # default name for a make-up day


def test_SPEC_8_national_days_of_an_unloaded_year_cannot_be_corrected_one_by_one(now: dt.datetime) -> None:
    with pytest.raises(ValueError, match="2027"):
        service.set_day(D(2027, 1, 4), False, "假日", reason="x", now=now)
    assert not CalendarChange.objects.filter(year=2027).exists()


def test_SPEC_8_local_holiday_applies_to_its_jurisdiction_only_and_can_be_withdrawn(now: dt.datetime) -> None:
    here, there = JurisdictionFactory(), JurisdictionFactory()
    service.set_day(D(2026, 6, 2), False, "地方假日", reason="区政府通知", now=now, jurisdiction_id=here.pk)
    assert not service.current_calendar(here.pk).is_workday(D(2026, 6, 2))
    assert service.current_calendar(there.pk).is_workday(D(2026, 6, 2))
    assert service.current_calendar().is_workday(D(2026, 6, 2))
    assert service.current_calendar(here.pk).is_workday(D(2026, 10, 10))  # national days still apply
    assert service.reset_day(D(2026, 6, 2), reason="通知撤回", now=now, jurisdiction_id=here.pk)
    assert service.current_calendar(here.pk).is_workday(D(2026, 6, 2))
    assert not service.reset_day(D(2026, 6, 2), reason="again", now=now, jurisdiction_id=here.pk)
    change = CalendarChange.objects.get(action="reset_day")
    assert change.before == {"is_workday": False, "name": "地方假日"} and change.after["is_workday"] is True


# --- loading a year ---------------------------------------------------------------------------------


def test_SPEC_8_loading_2027_from_a_file_makes_the_deadline_final_and_fires_hooks(
    file_2027: Path, hook_calls: list[dict[str, Any]], now: dt.datetime
) -> None:
    before = service.current_calendar().add_working_days(D(2026, 12, 30), 3)
    assert before.date == D(2027, 1, 4) and before.provisional
    year, count = service.load_year_from_file(file_2027, now=now)
    assert (year, count) == (2027, 1)
    after = service.current_calendar().add_working_days(D(2026, 12, 30), 3)
    assert after.date == D(2027, 1, 5) and not after.provisional
    assert [(c["year"], c["jurisdiction_id"], c["now"]) for c in hook_calls] == [(2027, None, now)]
    assert CalendarYear.objects.get(jurisdiction=None, year=2027).source == "file"
    change = CalendarChange.objects.get(year=2027, action="load_file")
    assert change.after["file"] == "2027.toml" and change.after["changed"] == {
        "2027-01-01": {"is_workday": False, "name": "元旦"}}


def test_SPEC_8_reloading_a_year_records_what_it_replaced(now: dt.datetime) -> None:
    service.set_day(D(2026, 6, 1), False, "地方假日", reason="区政府通知", now=now)
    service.load_year_from_package(2026, now=now)
    assert service.current_calendar().is_workday(D(2026, 6, 1))
    change = CalendarChange.objects.filter(year=2026, action="load_package").order_by("-id").first()
    assert change is not None and change.before["loaded"] is True
    assert change.before["changed"] == {"2026-06-01": {"is_workday": False, "name": "地方假日"}}
    assert change.after["changed"] == {}


def test_SPEC_8_a_bad_file_names_file_line_and_field_and_loads_nothing(tmp_path: Path, now: dt.datetime) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("year = 2027\n[[day]]\ndate = 2027-01-01\nworkday = 1\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match=r"bad\.toml:4: day\.workday"):
        service.load_year_from_file(path, now=now)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_SPEC_8_package_refuses_a_year_it_does_not_cover(now: dt.datetime, hook_calls: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="2027"):
        service.load_year_from_package(2027, now=now)
    assert hook_calls == [] and 2027 not in service.loaded_years()


def test_SPEC_8_november_warning_until_next_year_is_loaded(file_2027: Path, now: dt.datetime) -> None:
    assert service.missing_year_warning(D(2026, 10, 31)) is None
    warning = service.missing_year_warning(D(2026, 11, 1))
    assert warning is not None and "2027" in warning
    service.load_year_from_file(file_2027, now=now)
    assert service.missing_year_warning(D(2026, 11, 1)) is None


# --- the command ------------------------------------------------------------------------------------


def test_SPEC_8_calendar_command_shows_a_month_in_chinese() -> None:
    out = _command("show", "2026-10")
    assert "2026-10-01 周四 休息 国庆节" in out and "2026-10-10 周六 上班 调休上班" in out
    assert "待确认" in _command("show", "2027-01")
    with pytest.raises(CommandError, match="YYYY-MM"):
        _command("show", "2026-13")


def test_SPEC_8_calendar_command_sets_a_day_with_who_and_why() -> None:
    UserFactory(username="office1")
    out = _command("set", "2026-06-01", "--holiday", "--name", "地方假日", "--reason", "区政府通知", "--by", "office1")
    assert "已更正 2026-06-01" in out
    change = CalendarChange.objects.get(action="set_day")
    assert change.actor is not None and change.actor.username == "office1" and change.reason == "区政府通知"
    assert "区政府通知" in _command("history", "2026")
    with pytest.raises(CommandError, match="2027"):
        _command("set", "2027-01-04", "--holiday", "--reason", "x")


def test_SPEC_8_calendar_command_loads_a_file_and_reports_errors(file_2027: Path, tmp_path: Path) -> None:
    assert "已从文件载入 2027 年" in _command("load-file", str(file_2027))
    assert "2027" in _command("status")
    bad = tmp_path / "bad.toml"
    bad.write_text("year = 2027\n[[day]]\ndate = 2027-13-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.toml:3"):
        _command("load-file", str(bad))
    with pytest.raises(CommandError, match="2030"):
        _command("load", "2030")


# --- the page ---------------------------------------------------------------------------------------


def test_calendar_page_shows_holidays_and_only_the_office_corrects_a_day() -> None:
    jurisdiction = JurisdictionFactory()
    client = Client()
    client.force_login(UserFactory(jurisdiction=jurisdiction, roles=[Role.OFFICE_STAFF]))
    page = client.get("/calendar/?month=2026-10").content.decode()
    assert "国庆节" in page and "调休上班" in page
    response = client.post("/calendar/edit/", {"action": "set_day", "date": "2026-06-01", "workday": "0",
                                               "name": "地方假日", "reason": "区政府通知"})
    assert response.status_code == 302 and not service.current_calendar().is_workday(D(2026, 6, 1))
    other = Client()
    other.force_login(UserFactory(jurisdiction=jurisdiction, roles=[Role.UNIT_LIAISON]))
    assert other.post("/calendar/edit/", {"action": "load_package", "year": "2026"}).status_code == 403


def test_SPEC_8_local_holiday_from_the_page_applies_to_its_jurisdiction_only() -> None:
    here, there = JurisdictionFactory(), JurisdictionFactory()
    client = Client()
    client.force_login(UserFactory(jurisdiction=here, roles=[Role.OFFICE_STAFF]))
    client.post("/calendar/edit/", {"action": "set_day", "date": "2026-06-02", "workday": "0", "scope": "local",
                                    "name": "地方假日", "reason": "区政府通知"})
    assert not service.current_calendar(here.pk).is_workday(D(2026, 6, 2))
    assert service.current_calendar(there.pk).is_workday(D(2026, 6, 2))
    assert service.current_calendar().is_workday(D(2026, 6, 2))
