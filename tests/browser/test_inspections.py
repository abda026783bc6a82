"""三查三单 in a real browser: a team is drawn from the pools (S3c-9 limits and recusal enforced), files a
finding with a photo; the finding goes through the three lists to a closed rectification (S4-二(二)); a
second finding whose rectification report comes late is urged by the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duban.inspections import services as s
from duban.inspections.models import Entry, Inspection, TeamRequest
from duban.inspections.sweep import sweep_inspections
from duban.workcal.service import current_calendar
from tests.factories import PASSWORD, make_district
from tests.inspections.helpers import make_pools

pytestmark = [pytest.mark.browser]


def login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.mark.django_db(transaction=True)
def test_S3c_S4_team_from_pools_finding_through_three_lists_and_late_report_urged(
        page: Page, live_server: object, tmp_path: object) -> None:
    base = str(live_server)
    d = make_district()
    make_pools(d)
    today = timezone.localdate()
    insp = s.do_create_inspection(actor=d.alice, kind="inspection", title="老旧小区改造专项督查",
                                  content="督查老旧小区改造推进情况", targets=[d.lead], methods=["现场督办"],
                                  leader=d.dave, starts_on=today - dt.timedelta(days=2), ends_on=today)
    url = f"{base}/inspections/{insp.pk}/"

    # The office asks for 4 full-time inspectors: over the S3c-9 limit, refused, nothing created.
    login(page, base, "alice")
    page.goto(url)
    form = page.locator("#request-form")
    form.locator("input[name=want_full_time]").fill("4")
    form.locator("input[name=reason]").fill("专项督查需抽调人员")
    form.locator("button").click()
    expect(page.locator(".msg-error")).to_contain_text("S3c-9")
    assert not TeamRequest.objects.exists()
    form = page.locator("#request-form")
    form.locator("input[name=want_full_time]").fill("3")
    form.locator("input[name=want_part_time]").fill("1")
    form.locator("input[name=reason]").fill("专项督查需抽调人员")
    form.locator("button").click()
    expect(page.locator("#team")).to_contain_text("待分管领导审批")

    # Only the deputy head approves (S3c-10).
    login(page, base, "dave")
    page.goto(url)
    page.get_by_role("button", name="同意抽调").click()
    expect(page.locator("#team")).to_contain_text("已批准")

    login(page, base, "alice")
    page.goto(url)
    page.fill("input[name=seed]", "2026")
    page.get_by_role("button", name="随机抽选").click()
    expect(page.locator("#seed")).to_have_text("2026")
    team = page.locator("#team tr.member")
    expect(team).to_have_count(4)
    for recused in ("本单位专职", "下属单位专职", "关联专职"):  # own unit, its sub-unit, a linked unit
        expect(page.locator("#team")).not_to_contain_text(recused)
    page.get_by_role("button", name="报领导审定方案（S3c-11）").click()

    login(page, base, "dave")
    page.goto(url)
    page.get_by_role("button", name="审定同意").click()
    expect(page.locator("#plan-state")).to_have_text("已审定，待培训部署")

    login(page, base, "alice")
    page.goto(url)
    page.get_by_role("button", name="已征得同意").click()  # the part-time member (S3c-11)
    page.get_by_role("button", name="告知任务、培训并开始实施（S3c-12）").click()
    expect(page.locator("#plan-state")).to_have_text("实施中")

    photo = tmp_path / "现场照片.jpg"  # type: ignore[operator]
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 200)
    for text in ("3 个小区雨污分流未完工", "加装电梯审批材料不全"):
        f = page.locator("#finding-form")
        f.locator("select[name=unit]").select_option(label="区发展和改革局")
        f.locator("textarea[name=description]").fill(text)
        f.locator("input[name=suggestion]").fill("倒排工期")
        if text.startswith("3"):
            f.locator("input[name=files]").set_input_files(str(photo))
        f.locator("button").click()
        expect(page.locator("#findings")).to_contain_text(text)
    page.get_by_role("button", name="结束现场督查").click()
    first, second = Entry.objects.order_by("number")
    assert first.finding.attachments.count() == 1

    # The unit answers with measures (no deadline: S3d's 7 days).
    login(page, base, "ursula")
    page.goto(f"{base}/inspections/")
    expect(page.get_by_text("本单位待办整改")).to_be_visible()
    page.goto(f"{base}/inspections/entries/{first.pk}/")
    page.fill("#answer-form textarea[name=measures]", "增派施工队伍，倒排工期")
    page.locator("#answer-form button").click()
    expect(page.locator("#entry-state")).to_have_text("待明确责任")
    expect(page.locator("main")).to_contain_text("S3d-二.1")

    # The office names lead unit, co-unit and person; without a person it is refused (S4-二(二)3).
    login(page, base, "alice")
    page.goto(f"{base}/inspections/entries/{first.pk}/")
    page.locator("#assign-form select[name=lead_unit]").select_option(label="区发展和改革局")
    page.locator("#assign-form select[name=co_units]").select_option(label="区财政局")
    page.locator("#assign-form button").click()
    expect(page.locator(".msg-error")).to_contain_text("具体责任人")
    expect(page.locator("#entry-state")).to_have_text("待明确责任")
    page.locator("#assign-form select[name=lead_unit]").select_option(label="区发展和改革局")
    page.locator("#assign-form select[name=co_units]").select_option(label="区财政局")
    page.locator("#assign-form select[name=person]").select_option(label="于联络员 · 区发展和改革局")
    page.locator("#assign-form button").click()
    expect(page.locator("#entry-state")).to_have_text("整改中")

    login(page, base, "ursula")
    page.goto(f"{base}/inspections/entries/{first.pk}/")
    page.fill("#report-form textarea[name=text]", "雨污分流已全部完工")
    page.locator("#report-form button").click()
    expect(page.locator("#entry-state")).to_have_text("待核验")

    login(page, base, "alice")
    page.goto(f"{base}/inspections/entries/{first.pk}/")
    page.fill("#verify-form input[name=note]", "实地核验通过")
    page.check("#verify-form input[name=on_site]")
    page.locator("#verify-form button").click()
    expect(page.locator("#entry-state")).to_have_text("已销号")
    page.goto(f"{base}/inspections/lists/?state=closed")
    expect(page.locator("#ledger-table")).to_contain_text("雨污分流")
    expect(page.locator("#ledger-table")).not_to_contain_text("加装电梯")

    # The second finding: through the lists by the services, then its report comes late.
    second = s.do_answer(actor=d.ursula, entry=second, measures="补齐材料")
    second = s.do_assign_responsibility(actor=d.alice, entry=second, lead_unit=d.lead, person=d.ursula)
    assert second.report_due is not None
    late_day = current_calendar(d.jurisdiction.pk).add_working_days(second.report_due, 1).date
    swept = sweep_inspections(timezone.make_aware(dt.datetime.combine(late_day, dt.time(8))))
    assert second.deadlines.get().pk in swept.urged
    login(page, base, "ursula")
    page.goto(f"{base}/inspections/entries/{second.pk}/")
    expect(page.locator("main")).to_contain_text("整改落实情况逾期未报送")
    page.goto(f"{base}/urging/inbox/")
    expect(page.locator("main")).to_contain_text("催报")
    assert Inspection.objects.get(pk=insp.pk).state == "reporting"
