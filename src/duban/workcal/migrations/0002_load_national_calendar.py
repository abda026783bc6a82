"""Load the national arrangement for 2024–2026 from the chinese-calendar package, so a fresh install
has a calendar. Later years are loaded by the office (`duban calendar load`/`load-file`)."""

import datetime as dt

from django.db import migrations

YEARS = (2024, 2025, 2026)


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from duban.core.calendar import from_chinese_calendar

    CalendarDay = apps.get_model("workcal", "CalendarDay")
    CalendarYear = apps.get_model("workcal", "CalendarYear")
    CalendarChange = apps.get_model("workcal", "CalendarChange")
    days, loaded = from_chinese_calendar(YEARS)
    now = dt.datetime.now(dt.UTC)
    for year in sorted(loaded):
        if CalendarYear.objects.filter(jurisdiction=None, year=year).exists():
            continue
        rows = [CalendarDay(date=d, is_workday=i.is_workday, name=i.name) for d, i in days.items() if d.year == year]
        CalendarDay.objects.bulk_create(rows)
        CalendarYear.objects.create(year=year, source="package", loaded_at=now)
        CalendarChange.objects.create(
            year=year, action="load_package", before={"loaded": False, "days": 0},
            after={"source": "package", "days": len(rows), "migration": True},
            reason=f"安装时载入 {year} 年节假日安排", at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
