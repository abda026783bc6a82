"""A small S0 district for the scoring tests: the District cast, its units in S0 categories (S0-A一)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from duban.core.lifecycle import Role
from duban.org.models import Category, Unit, User
from tests.factories import District, UserFactory, make_district


@dataclass
class Scored:
    d: District
    zh: Category
    jd: Category
    street: Unit  # a second category (街道类)
    assessor: User  # 绩考办


@pytest.fixture
def scored(db: None) -> Scored:
    d = make_district()
    zh = Category.objects.create(jurisdiction=d.jurisdiction, code="ZH", name="综合管理类", order=1)
    jd = Category.objects.create(jurisdiction=d.jurisdiction, code="JD", name="街道类", order=2)
    for unit in (d.lead, d.co, d.other):
        unit.category = zh
        unit.save()
    street = Unit.objects.create(jurisdiction=d.jurisdiction, code="JD01", name="东城街道", kind=Unit.Kind.SUBDISTRICT,
                                 category=jd)
    assessor = UserFactory(username="jkb", jurisdiction=d.jurisdiction, unit=d.office, roles=[Role.ASSESSMENT],
                           full_name="绩考办")
    return Scored(d, zh, jd, street, assessor)


def later(days: int, hour: int = 10) -> dt.datetime:
    base = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + dt.timedelta(days=days)
