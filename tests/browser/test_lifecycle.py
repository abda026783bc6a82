"""One item through its whole lifecycle in a real browser, as office, unit and leader (S0-9..14, S1-五).

Everyone signs in through the login page. Each step is done by clicking the item page's own action
forms (htmx posts that swap the page), and after each step the test checks what that person sees.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duban.items.models import Item
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from tests.factories import PASSWORD, District, make_district

pytestmark = [pytest.mark.browser]

SCREENSHOT = Path("/tmp/duban-item.png")


def _day(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


class Browser:
    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base

    def login(self, username: str) -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(self.base + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("form.login-card button[type=submit]")
        page.wait_for_url(self.base + "/")
        expect(page.locator(".who-name")).to_be_visible()

    def open_item(self, item_id: int) -> None:
        self.page.goto(f"{self.base}/items/{item_id}/")

    def action(self, action: str, target: int | None = None):  # type: ignore[no-untyped-def]
        """Open the <details> of an action on the item page and return its form locator."""
        anchor = f"#action-{action}" + (f"-{target}" if target is not None else "")
        details = self.page.locator(anchor)
        expect(details).to_be_visible()
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        return details.locator("form")

    def submit(self, form) -> None:  # type: ignore[no-untyped-def]
        """Post an action form (htmx) and wait until the page content was swapped with a success message."""
        self.page.evaluate("document.getElementById('main').dataset.stale = '1'")
        form.locator("button[type=submit]").click()
        self.page.wait_for_selector("#main:not([data-stale])")
        errors = self.page.locator("#action-error")
        assert errors.count() == 0, errors.inner_text()
        expect(self.page.locator(".msg-success")).to_be_visible()

    def state(self) -> str:
        return self.page.locator("#item-state").inner_text()


@pytest.fixture
def cast(transactional_db: None) -> District:
    return make_district()


def test_item_lifecycle_office_unit_leader_with_return_and_objection(
    live_server, page: Page, cast: District
) -> None:
    """S0-9 register/approve → S1-五(二) assign → S0-10 receive + objection → S0-8 progress →
    S0-12 completion → S1-五(五) return → completion → S0-12 accept → S0-13 leader pass → S0-14 archive."""
    d = cast
    b = Browser(page, live_server.url)
    deadline = _day(40)

    # --- alice (督查室) registers the item through the 立项 form -----------------------------------
    b.login("alice")
    expect(page.locator(".whoami")).to_contain_text("艾督查")
    expect(page.locator(".whoami")).to_contain_text("督查室工作人员")
    page.click("nav.mainnav >> text=立项")
    page.fill("#id_title", "推进城区老旧小区改造")
    page.select_option("#id_source", "gov_meeting")
    page.check("input[name=level][value=especially]")
    page.fill("#id_content", "完成 12 个老旧小区水电气改造，年底前全部完工。")
    page.fill("#id_deadline", deadline)
    page.select_option("#id_supervising_leader", str(d.dave.pk))
    page.click("main form button[type=submit]")
    expect(page.locator(".msg-success")).to_contain_text("已立项")
    assert b.state() == "待审批"
    item_id = int(re.search(r"/items/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    # alice is office staff, not the office head: no 审定 for her (S0-9).
    expect(page.locator("#action-approve")).to_have_count(0)

    # --- olga (办公室主要领导) sees it in her 待办 under 审定 and approves ---------------------------
    b.login("olga")
    expect(page.locator("#todo-approve")).to_contain_text("推进城区老旧小区改造")
    page.locator("#todo-approve a", has_text="推进城区老旧小区改造").click()
    b.submit(b.action("approve"))
    assert b.state() == "待交办"

    # --- alice assigns: lead unit, one co-unit with its part, a deadline ---------------------------
    b.login("alice")
    expect(page.locator("#todo-assign")).to_contain_text("推进城区老旧小区改造")
    b.open_item(item_id)
    form = b.action("assign")
    form.locator("select[name=lead_unit]").select_option(str(d.lead.pk))
    form.locator("textarea[name=lead_part]").fill("牵头制定改造方案并组织实施")
    form.locator(f"input[name=co_units][value='{d.co.pk}']").check()
    form.locator(f"input[name=co_part_{d.co.pk}]").fill("落实改造资金")
    form.locator("input[name=deadline]").fill(deadline)
    b.submit(form)
    assert b.state() == "待签收"
    expect(page.locator("#assignments")).to_contain_text("区发展和改革局")
    expect(page.locator("#assignments")).to_contain_text("落实改造资金")

    # --- oscar (an unrelated unit) cannot open the item, nor find it in the list --------------------
    b.login("oscar")
    response = page.goto(f"{live_server.url}/items/{item_id}/")
    assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text("页面不存在")
    page.goto(f"{live_server.url}/items/?q=老旧小区")
    expect(page.locator("#item-table")).to_contain_text("没有符合条件的事项")

    # --- ursula (lead unit): 待办 shows 签收; she receives and objects the same day -----------------
    b.login("ursula")
    expect(page.locator("#todo-receive")).to_contain_text("推进城区老旧小区改造")
    page.locator("#todo-receive a", has_text="推进城区老旧小区改造").click()
    form = b.action("receive")
    form.locator("input[name=responsible_leader]").fill("王副局长")
    form.locator("input[name=responsible_section]").fill("城建科")
    form.locator("input[name=responsible_person]").fill("李科长")
    form.locator("input[name=responsible_phone]").fill("0571-88880000")
    form.locator("textarea[name=work_plan]").fill("分三批推进，先易后难。")
    form.locator("input[name=ms_title_1]").fill("完成摸底调查")
    form.locator("input[name=ms_due_1]").fill(_day(10))
    b.submit(form)
    assert b.state() == "办理中"
    expect(page.locator("#assignments")).to_contain_text("李科长")
    expect(page.locator("#assignments")).to_contain_text("完成摸底调查")

    form = b.action("object")
    form.locator("textarea[name=text]").fill("资金到位时间晚于施工窗口，建议时限顺延一个月。")
    b.submit(form)
    expect(page.locator("#objections")).to_contain_text("待答复")
    expect(page.locator("#objections")).not_to_contain_text("逾期提出")  # filed on the day of receipt

    # --- alice answers the objection from her 待办 ---------------------------------------------------
    b.login("alice")
    expect(page.locator("#todo-objection")).to_contain_text("推进城区老旧小区改造")
    objection_id = Item.objects.get(pk=item_id).assignments.get(unit=d.lead).objections.get().pk
    b.open_item(item_id)
    form = b.action("answer_objection", objection_id)
    form.locator("input[name=accept][value=reject]").check()
    form.locator("textarea[name=answer]").fill("经报办公室主要领导同意，维持原时限，资金由财政局优先保障。")
    b.submit(form)
    expect(page.locator("#objections")).to_contain_text("维持原交办")

    # --- ursula reports progress and completion, with a file -----------------------------------------
    b.login("ursula")
    b.open_item(item_id)
    # An empty report is refused (422): htmx swaps in the page with the message next to the field.
    form = b.action("report_progress")
    page.evaluate("document.getElementById('main').dataset.stale = '1'")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#main:not([data-stale])")
    expect(page.locator("#action-error")).to_contain_text("请填写进展情况。")
    expect(page.locator("#action-report_progress .field.has-error")).to_contain_text("请填写进展情况。")
    form = b.action("report_progress")
    form.locator("textarea[name=text]").fill("已完成 5 个小区的摸底调查。")
    b.submit(form)
    expect(page.locator("#reports")).to_contain_text("已完成 5 个小区的摸底调查")

    form = b.action("attach")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "办结材料.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 test\n"}]
    )
    form.locator("input[name=step_name]").fill("办结报告")
    b.submit(form)
    expect(page.locator("#attachments")).to_contain_text("办结材料.pdf")

    form = b.action("report_completion")
    form.locator("textarea[name=text]").fill("12 个小区改造全部完工。")
    b.submit(form)
    assert b.state() == "待审核"

    # --- alice returns it with written reasons (S1-五(五)) -----------------------------------------
    b.login("alice")
    expect(page.locator("#todo-review")).to_contain_text("推进城区老旧小区改造")
    b.open_item(item_id)
    form = b.action("office_return")
    form.locator("textarea[name=reasons]").fill("缺少竣工验收材料，请补充后重新报送。")
    b.submit(form)
    assert b.state() == "办理中"
    expect(page.locator("#return-count-value")).to_have_text("1")
    returned = page.locator("#timeline li[data-kind=office_return]")
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text("缺少竣工验收材料，请补充后重新报送。")
    expect(returned).to_contain_text("S1-五(五)")
    expect(returned).to_contain_text("艾督查")

    # --- ursula sees the return and reports completion again ---------------------------------------
    b.login("ursula")
    expect(page.locator("#todo-report")).to_contain_text("推进城区老旧小区改造")
    b.open_item(item_id)
    expect(page.locator("#timeline")).to_contain_text("缺少竣工验收材料")
    form = b.action("report_completion")
    form.locator("textarea[name=text]").fill("已补充竣工验收材料，12 个小区全部验收合格。")
    b.submit(form)
    assert b.state() == "待审核"
    expect(page.locator("#actions")).not_to_contain_text("审核通过")  # the unit cannot accept its own work

    # --- alice accepts ------------------------------------------------------------------------------
    b.login("alice")
    b.open_item(item_id)
    form = b.action("office_accept")
    form.locator("textarea[name=opinion]").fill("问题查清、处理到位、按时办结。")
    b.submit(form)
    assert b.state() == "待领导审阅"

    # --- dave (分管副区长) passes it from his 待办 ---------------------------------------------------
    b.login("dave")
    expect(page.locator("#todo-read")).to_contain_text("推进城区老旧小区改造")
    page.locator("#todo-read a", has_text="推进城区老旧小区改造").click()
    form = b.action("leader_pass")
    form.locator("input[name=follow_up][value=report_up]").check()
    form.locator("textarea[name=opinion]").fill("同意，报市政府督查室。")
    b.submit(form)
    assert b.state() == "已办结"

    # --- alice archives with herself as custodian ---------------------------------------------------
    b.login("alice")
    expect(page.locator("#todo-archive")).to_contain_text("推进城区老旧小区改造")
    b.open_item(item_id)
    expect(page.locator("#todo-badge")).to_have_text("1")
    form = b.action("archive")
    form.locator("select[name=custodian]").select_option(str(d.alice.pk))
    b.submit(form)
    assert b.state() == "已归档"
    expect(page.locator("#todo-badge")).to_have_text("0")  # the badge is swapped along (hx-select-oob)
    expect(page.locator("#actions")).to_contain_text("事项已归档")

    # The whole story is on the timeline, in order, each step with its rule ID.
    kinds = page.locator("#timeline li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == [
        "register", "approve", "assign", "receive", "object", "answer_objection", "report_progress",
        "attach", "report_completion", "office_return", "report_completion", "office_accept",
        "leader_pass", "archive",
    ]
    page.locator("#item-head").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # The list filters re-render the table in place (htmx) and keep the filters in the address bar.
    page.click("nav.mainnav >> text=督查事项")
    expect(page.locator("#item-table")).to_contain_text("推进城区老旧小区改造")
    page.evaluate("document.body.dataset.loaded = '1'")
    page.select_option("#f-state", "pending_approval")
    expect(page.locator("#item-table")).to_contain_text("没有符合条件的事项")
    page.select_option("#f-state", "archived")
    expect(page.locator("#item-table")).to_contain_text("推进城区老旧小区改造")
    expect(page).to_have_url(re.compile(r"state=archived"))
    assert page.evaluate("document.body.dataset.loaded") == "1"  # same document: no full reload
    expect(page.locator("#export-link")).to_have_attribute(
        "href", re.compile(r"/documents/export/items/\?.*state=archived"))  # the ledger export with progress

    item = Item.objects.get(pk=item_id)
    assert (item.state, item.return_count, item.custodian_id) == ("archived", 1, d.alice.pk)
    assert verify_chain(Event.objects.filter(jurisdiction=d.jurisdiction).order_by("seq")) is None
