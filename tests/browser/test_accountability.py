"""S3a-9 in a real browser: the office registers a lead and hands it over, the competent department
verifies, the implementing unit proposes a sanction, the department reviews and returns once, the
office rechecks, the unit executes and reports the result, the office copies and circulates it. Each
party sees only its own step; an unrelated unit gets 404."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from duban.accountability.models import Case
from tests.factories import make_district

from .test_inspections import login

pytestmark = [pytest.mark.browser]


def step(page: Page, action: str, text: str = "") -> None:
    form = page.locator(f"form.case-step[data-action={action}]")
    if text:
        form.locator("textarea[name=text]").fill(text)
    form.locator("button").click()


@pytest.mark.django_db(transaction=True)
def test_S3a_9_case_through_every_hand_over_with_one_return(page: Page, live_server: object) -> None:
    base = str(live_server)
    d = make_district()

    login(page, base, "alice")  # 督查室
    page.goto(base + "/accountability/")
    page.select_option("select[name=unit]", str(d.lead.pk))
    page.select_option("select[name=trigger]", "S3a-5(一)")
    page.fill("input[name=summary]", "老旧小区改造假落实")
    page.get_by_role("button", name="登记").click()
    case = Case.objects.get()
    url = f"{base}/accountability/{case.pk}/"
    page.goto(url)
    expect(page.locator("#case-state")).to_have_text("问题线索待移交")
    form = page.locator("form.case-step[data-action=hand_over]")
    form.locator("select[name=competent_unit]").select_option(str(d.co.pk))
    form.locator("select[name=implementing_unit]").select_option(str(d.lead.pk))
    step(page, "hand_over", "建议对该局通报批评")
    expect(page.locator("#case-state")).to_have_text("主管部门核查中")
    expect(page.locator("form.case-step")).to_have_count(0)  # now the department's turn

    login(page, base, "oscar")  # an unrelated unit
    assert page.goto(url).status == 404

    login(page, base, "colin")  # 主管部门 (区财政局)
    page.goto(url)
    step(page, "report_verification", "经核查，情况属实")
    expect(page.locator("#case-state")).to_have_text("待提出问责处理意见")

    login(page, base, "ursula")  # 实施问责单位 (区发展和改革局)
    page.goto(url)
    form = page.locator("form.case-step[data-action=propose]")
    form.locator("input[name=sanction][value=unit_circulate]").check()
    step(page, "propose", "拟予以通报")
    expect(page.locator("#case-state")).to_have_text("主管部门审核中")

    login(page, base, "colin")
    page.goto(url)
    step(page, "review_return", "处理意见过轻，请重新提出")
    expect(page.locator("#case-state")).to_have_text("待提出问责处理意见")

    login(page, base, "ursula")
    page.goto(url)
    form = page.locator("form.case-step[data-action=propose]")
    form.locator("input[name=sanction][value=unit_circulate]").check()
    form.locator("input[name=sanction][value=unit_check]").check()
    step(page, "propose", "责令检查并通报")

    login(page, base, "colin")
    page.goto(url)
    step(page, "review_pass", "同意")
    expect(page.locator("#case-state")).to_have_text("督查机构复核中")

    login(page, base, "alice")
    page.goto(url)
    step(page, "approve")
    expect(page.locator("#case-state")).to_have_text("待实施问责")

    login(page, base, "ursula")
    page.goto(url)
    step(page, "execute", "已责令书面检查并在全区通报")
    expect(page.locator("#case-state")).to_have_text("问责结果已报送")

    login(page, base, "alice")
    page.goto(url)
    page.locator("form.case-step[data-action=publish] select[name=publication]").select_option("internal")
    step(page, "publish")
    expect(page.locator("#case-state")).to_have_text("已结案（已抄送通报）")
    expect(page.locator("body")).to_contain_text("退回 1 次")
    case.refresh_from_db()
    assert (case.state, case.return_count, case.publication) == ("published", 1, "internal")
