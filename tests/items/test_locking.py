"""Locking items for an action decides visibility exactly as ``access.visible_items`` does (SPEC §1; S1-九(五)
confidential items; 三员分立), for every kind of person, whether the lock reads all columns (per-item
services) or only the checked ones (batch path)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from duban.core.lifecycle import Role
from duban.items import access, services
from duban.items.models import Item
from tests.factories import District, JurisdictionFactory, UnitFactory, UserFactory, at

pytestmark = pytest.mark.django_db


def test_SPEC_1_S1_9_5_lock_items_sees_what_visible_items_sees_for_everyone(district: District) -> None:
    d = district
    now = at("2026-03-02", 9)

    def register(title: str, **kw: object) -> Item:
        actor = d.carl if kw.get("confidential") else d.alice
        return services.do_register(actor=actor, title=title, content="内容", source="other", level="generally",
                                    now=now, **kw)  # type: ignore[arg-type]

    pending = register("待审定")
    led = register("副区长主管", supervising_leader=d.dave)
    handed = register("已交办")
    secret = register("涉密", confidential=True)
    cleared_head = UserFactory(jurisdiction=d.jurisdiction, unit=d.office, roles=[Role.OFFICE_HEAD],
                               cleared_confidential=True)
    for item in (handed, secret):
        services.do_approve(actor=cleared_head, item=item, now=now)
        services.do_assign(actor=d.carl, item=item, lead_unit=d.lead, co_units=[services.CoUnit(d.co)],
                           deadline=dt.date(2026, 3, 31), now=now)
    other_j = JurisdictionFactory()
    elsewhere = services.do_register(
        actor=UserFactory(jurisdiction=other_j, unit=UnitFactory(jurisdiction=other_j), roles=[Role.OFFICE_STAFF]),
        title="外区", content="内容", source="other", level="generally", now=now)
    pks = [i.pk for i in (pending, led, handed, secret, elsewhere)] + [999_999]

    people = [d.alice, d.olga, d.dave, d.gina, d.ursula, d.colin, d.sam, d.oscar, d.carl]
    people += [UserFactory(jurisdiction=d.jurisdiction, unit=d.office, roles=[role])
               for role in (Role.ASSESSMENT, Role.DISCIPLINE, Role.SYSADMIN, Role.AUDIT_ADMIN)]
    people += [UserFactory(jurisdiction=d.jurisdiction, unit=d.lead, roles=[Role.UNIT_LIAISON],
                           cleared_confidential=True),
               UserFactory(jurisdiction=None, unit=None, roles=[])]
    seen_by_someone: set[int] = set()
    for person in people:
        want = set(access.visible_items(person).filter(pk__in=pks).values_list("pk", flat=True))
        for fields in (tuple(f.attname for f in Item._meta.concrete_fields), services.CHECK_FIELDS):
            with transaction.atomic():
                locked, visible = services.lock_items(person, pks, fields=fields)
            assert visible == want, (person.username, fields == services.CHECK_FIELDS)
            assert set(locked) == set(pks) - {999_999}
        seen_by_someone |= want
    assert seen_by_someone == set(pks) - {999_999, elsewhere.pk}  # each item here is seen by someone
    assert secret.pk not in set(access.visible_items(d.ursula).values_list("pk", flat=True))
