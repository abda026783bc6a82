"""factory_boy factories and a small district used across the tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone

from duban.core.lifecycle import Role
from duban.org.models import Category, Jurisdiction, RoleGrant, Unit, User

PASSWORD = "duban-test-pw-2026"
_HASHES: dict[str, str] = {}


def _password_hash() -> str:
    """Hash the test password once: PBKDF2 per user would dominate the suite's run time."""
    if "pw" not in _HASHES:
        from django.contrib.auth.hashers import make_password

        _HASHES["pw"] = make_password(PASSWORD)
    return _HASHES["pw"]


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction

    code = factory.Sequence(lambda n: f"J{n:03d}")
    name = factory.Sequence(lambda n: f"测试区{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"C{n:02d}")
    name = factory.Sequence(lambda n: f"类别{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试人员{n}")
    password = factory.LazyFunction(lambda: _password_hash())

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        if create:
            self.save()
            for role in extracted or []:
                RoleGrant.objects.create(jurisdiction=self.jurisdiction, user=self, role=role)


@dataclass
class District:
    """alice (office staff), olga (office head), dave (deputy head), gina (head of government),
    ursula (lead unit liaison), colin (co-unit liaison), sam (sub-unit of the lead unit),
    oscar (another unit: sees nothing of these items), carl (cleared office staff)."""

    jurisdiction: Jurisdiction
    office: Unit
    lead: Unit
    co: Unit
    sub: Unit
    other: Unit
    alice: User
    olga: User
    dave: User
    gina: User
    ursula: User
    colin: User
    sam: User
    oscar: User
    carl: User


def make_district() -> District:
    j = JurisdictionFactory(name="示范区")
    office = UnitFactory(jurisdiction=j, name="区政府督查室", kind=Unit.Kind.OFFICE, code="OFFICE")
    gov = UnitFactory(jurisdiction=j, name="区政府", kind=Unit.Kind.GOVERNMENT, code="GOV")
    lead = UnitFactory(jurisdiction=j, name="区发展和改革局", code="FGJ")
    sub = UnitFactory(jurisdiction=j, name="区价格认证中心", code="FGJ-01", kind=Unit.Kind.SUBORDINATE, parent=lead)
    co = UnitFactory(jurisdiction=j, name="区财政局", code="CZJ")
    other = UnitFactory(jurisdiction=j, name="区教育局", code="JYJ")

    def person(name: str, unit: Unit, roles: list[Role], **kw: object) -> User:
        return UserFactory(username=name, jurisdiction=j, unit=unit, roles=roles, **kw)

    dave = person("dave", gov, [Role.DEPUTY_HEAD], full_name="丁副区长")
    lead.supervising_leader = dave
    lead.save()
    return District(
        jurisdiction=j, office=office, lead=lead, co=co, sub=sub, other=other,
        alice=person("alice", office, [Role.OFFICE_STAFF], full_name="艾督查"),
        olga=person("olga", office, [Role.OFFICE_HEAD], full_name="欧主任"),
        dave=dave,
        gina=person("gina", gov, [Role.GOV_HEAD], full_name="吉区长"),
        ursula=person("ursula", lead, [Role.UNIT_LIAISON], full_name="于联络员"),
        colin=person("colin", co, [Role.UNIT_LIAISON], full_name="柯联络员"),
        sam=person("sam", sub, [Role.UNIT_LIAISON], full_name="沈联络员"),
        oscar=person("oscar", other, [Role.UNIT_LIAISON], full_name="欧阳联络员"),
        carl=person("carl", office, [Role.OFFICE_STAFF], full_name="蔡督查", cleared_confidential=True),
    )


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment on ``day`` (YYYY-MM-DD) in the office's time zone."""
    d = dt.date.fromisoformat(day)
    return timezone.make_aware(dt.datetime(d.year, d.month, d.day, hour, minute))


def client_for(user: object) -> Any:
    """A Django test client signed in as ``user``."""
    from django.test import Client

    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client
