"""The sub-district's weekly review of its communities' hard cases (S2a-二(五))."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.grid import selectors, services
from duban.grid.models import WeeklyReview
from duban.items.errors import InvalidInput, PermissionDenied, StateConflict
from duban.ledger.models import Event
from tests.factories import at, client_for
from tests.grid.conftest import World
from tests.grid.test_services import intake

pytestmark = pytest.mark.django_db


def _cases(world: World) -> tuple[object, object, object]:
    j = world.d.jurisdiction.pk
    now = at("2026-11-02", 9)
    easy = services.do_intake(jurisdiction_id=j, source="public", intake=intake(description="路灯不亮"), now=now)
    easy = services.do_classify(actor=world.hp_staff, concern=easy, tier="immediate", category="照明",
                                handler=world.worker, now=at("2026-11-02", 16))
    hard = services.do_intake(jurisdiction_id=j, source="public", intake=intake(description="楼道堆放杂物"), now=now)
    hard = services.do_classify(actor=world.hp_staff, concern=hard, tier="coordinated", category="环境",
                                handler=world.worker, now=at("2026-11-02", 16))
    waiting = services.do_intake(jurisdiction_id=j, source="public", intake=intake(description="噪音扰民"), now=now)
    return easy, hard, waiting


def test_S2a_2_5_hard_cases_are_the_coordinated_overdue_and_unanalysed_ones(world: World) -> None:
    easy, hard, waiting = _cases(world)
    on_monday = {c.pk for c in selectors.hard_cases(world.street, dt.date(2026, 11, 2))}
    assert on_monday == {hard.pk}  # 当日清 not yet missed for the waiting one; the easy one is not hard
    # Two days later the waiting one missed its 当日清 and the easy one (1 working day) is overdue.
    later = {c.pk for c in selectors.hard_cases(world.street, dt.date(2026, 11, 4))}
    assert later == {easy.pk, hard.pk, waiting.pk}
    assert not selectors.hard_cases(world.street, dt.date(2026, 11, 4)).filter(community=world.xf).exists()


def test_S2a_2_5_weekly_review_recorded_once_a_week_with_an_event(world: World) -> None:
    _, hard, _ = _cases(world)
    review = services.do_record_weekly_review(
        actor=world.street_staff, subdistrict=world.street, held_on=dt.date(2026, 11, 6),
        attendees="街道分管领导、两社区书记", summary="楼道杂物：街道协调物业清理", concerns=[hard],
        now=at("2026-11-06", 15))
    assert review.week_start == dt.date(2026, 11, 2) and list(review.concerns.all()) == [hard]
    event = Event.objects.get(kind="grid.weekly_review")
    assert event.rule_id == "S2a-二(五)" and event.data["concerns"] == [hard.pk]
    with pytest.raises(StateConflict, match="这一周的研判已记录"):
        services.do_record_weekly_review(actor=world.street_staff, subdistrict=world.street,
                                         held_on=dt.date(2026, 11, 3), attendees="x", summary="y", concerns=[],
                                         now=at("2026-11-06", 16))
    weeks = selectors.review_weeks(world.street, dt.date(2026, 11, 12))
    assert weeks[0] == (dt.date(2026, 11, 9), None) and weeks[1] == (dt.date(2026, 11, 2), review)


def test_weekly_review_refuses_bad_input_and_other_people(world: World) -> None:
    _, hard, _ = _cases(world)
    with pytest.raises(PermissionDenied):  # a community's own staff does not hold the sub-district's review
        services.do_record_weekly_review(actor=world.hp_staff, subdistrict=world.street,
                                         held_on=dt.date(2026, 11, 6), attendees="x", summary="y", concerns=[])
    with pytest.raises(InvalidInput) as exc:
        services.do_record_weekly_review(actor=world.street_staff, subdistrict=world.street,
                                         held_on=dt.date(2026, 11, 9), attendees="", summary="", concerns=[hard],
                                         now=at("2026-11-06", 15))
    assert set(exc.value.field_errors) == {"held_on", "attendees", "summary"}
    with pytest.raises(InvalidInput, match="每周研判由街道"):
        services.do_record_weekly_review(actor=world.d.alice, subdistrict=world.hp, held_on=dt.date(2026, 11, 6),
                                         attendees="x", summary="y", concerns=[], now=at("2026-11-06", 15))
    assert not WeeklyReview.objects.exists()


def test_weekly_review_page(world: World) -> None:
    _, hard, _ = _cases(world)
    street = client_for(world.street_staff)
    page = street.get("/grid/review/").content.decode()
    assert hard.number in page and "本周尚未研判" in page
    r = street.post("/grid/review/", {"subdistrict": world.street.pk, "held_on": "2026-11-06", "attendees": "",
                                      "summary": "", "concerns": [hard.pk]})
    assert r.status_code == 422 and not WeeklyReview.objects.exists()
    r = street.post("/grid/review/", {"subdistrict": world.street.pk, "held_on": "2026-11-06",
                                      "attendees": "街道分管领导", "summary": "街道协调", "concerns": [hard.pk]})
    assert r.status_code == 302 and WeeklyReview.objects.get().concerns.get() == hard
    assert client_for(world.worker).get("/grid/review/").status_code == 404
    assert client_for(world.hp_staff).get("/grid/review/").status_code == 404


def test_the_weekly_review_link_is_shown_only_to_people_the_page_lets_in(world: World) -> None:
    link = 'href="/grid/review/"'
    assert link in client_for(world.street_staff).get("/grid/").content.decode()
    assert link in client_for(world.d.alice).get("/grid/").content.decode()  # the office: every sub-district
    for person in (world.worker, world.hp_staff):  # the page answers them 404, so no link
        page = client_for(person).get("/grid/concerns/")
        assert page.status_code == 200 and link not in page.content.decode()
        assert client_for(person).get("/grid/review/").status_code == 404
