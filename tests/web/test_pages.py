"""The pages render for the right people: layout, 待办, the item list with its filters, 立项, item page."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from duban.items import services
from duban.items.exports import escape_cell
from duban.items.models import Item
from tests.factories import District

from .conftest import assigned, client_for, completion_reported, day, office_accepted, received, registered

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- layout and login ---------------------------------------------------------------------------


def test_login_page_renders_in_chinese(db: None) -> None:
    r = client_for(None).get("/login/")
    assert r.status_code == 200
    assert "督查督办信息系统" in text(r) and "用户名" in text(r) and "密码" in text(r)


def test_pages_require_login(db: None) -> None:
    for url in ("/", "/items/", "/items/new/", "/items/export.xlsx", "/items/1/"):
        r = client_for(None).get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url


def test_top_bar_shows_jurisdiction_office_person_roles_and_todo_badge(district: District) -> None:
    d = district
    registered(d)
    page = text(client_for(d.olga).get("/"))
    assert "示范区政府督查室" in page  # jurisdiction + office name
    assert "欧主任" in page and "政府办公室主要领导" in page
    assert 'id="todo-badge"' in page
    badge = page.split('id="todo-badge"', 1)[1].split("</span>", 1)[0]
    assert badge.endswith(">1")  # one item to approve
    assert "hx-headers" in page and "X-CSRFToken" in page  # CSRF travels on htmx requests
    assert "htmx" in page and "//cdn" not in page and "googleapis" not in page


def test_nav_register_link_only_for_office_and_admin_only_for_staff(district: District) -> None:
    d = district
    assert 'href="/items/new/"' in text(client_for(d.alice).get("/"))
    assert 'href="/items/new/"' not in text(client_for(d.ursula).get("/"))
    assert 'href="/admin/"' not in text(client_for(d.alice).get("/"))
    d.alice.is_staff = True
    d.alice.save()
    assert 'href="/admin/"' in text(client_for(d.alice).get("/"))


# --- 待办 -----------------------------------------------------------------------------------------


def test_todo_groups_what_each_person_must_do(district: District) -> None:
    """S0-9 审定 for the office head, S1-五(二) 交办 for the office, S0-10 签收 for the unit."""
    d = district
    pending = registered(d, title="待审定的事项")
    page = text(client_for(d.olga).get("/"))
    assert 'id="todo-approve"' in page and "待审定的事项" in page and f"/items/{pending.pk}/" in page

    services.do_approve(actor=d.olga, item=pending)
    page = text(client_for(d.alice).get("/"))
    assert 'id="todo-assign"' in page and "待审定的事项" in page

    item = assigned(d, title="待签收的事项")
    page = text(client_for(d.ursula).get("/"))
    assert 'id="todo-receive"' in page and "待签收的事项" in page
    assert 'id="todo-report"' not in page
    page = text(client_for(d.oscar).get("/"))
    assert "待签收的事项" not in page and "暂无待办事项" in page

    services.do_receive(actor=d.ursula, item=item, responsible_leader="王", responsible_section="科",
                        responsible_person="李")
    page = text(client_for(d.ursula).get("/"))
    assert 'id="todo-report"' in page and 'id="todo-receive"' not in page


def test_todo_review_read_objection_extension_groups(district: District) -> None:
    """S0-12 审核, S0-13 领导审阅, S0-10 异议答复, S1-五(三) 延期审批."""
    d = district
    completion_reported(d, title="待审核的事项")
    office_accepted(d, title="待审阅的事项")
    item = received(d, title="有异议的事项")
    services.do_object(actor=d.ursula, item=item, text="时限过紧")
    services.do_request_extension(actor=d.ursula, item=item, requested_deadline=day(60), reason="资金未到位")
    office = text(client_for(d.alice).get("/"))
    assert 'id="todo-review"' in office and "待审核的事项" in office
    assert 'id="todo-objection"' in office and "时限过紧" in office
    assert 'id="todo-extension"' in office and "资金未到位" in office
    leader = text(client_for(d.dave).get("/"))
    assert 'id="todo-read"' in leader and "待审阅的事项" in leader


def test_todo_highlights_overdue_items(district: District) -> None:
    d = district
    item = received(d, title="逾期的事项")
    Item.objects.filter(pk=item.pk).update(deadline=day(-3))
    page = text(client_for(d.ursula).get("/"))
    assert 'class="is-overdue"' in page and "逾期 3 天" in page


# --- item list ----------------------------------------------------------------------------------


def test_item_list_shows_lead_and_co_units_and_filters(district: District) -> None:
    d = district
    assigned(d, title="发改牵头事项", level="especially")
    registered(d, title="尚未审定事项", source="petition")
    client = client_for(d.alice)
    page = text(client.get("/items/"))
    assert "发改牵头事项" in page and "尚未审定事项" in page
    assert "区发展和改革局" in page and "区财政局" in page
    assert "导出Excel" in page

    assert "尚未审定事项" not in text(client.get("/items/", {"state": "assigned"}))
    assert "发改牵头事项" not in text(client.get("/items/", {"level": "fairly"}))
    assert "发改牵头事项" not in text(client.get("/items/", {"source": "petition"}))
    by_unit = text(client.get("/items/", {"unit": d.co.pk}))
    assert "发改牵头事项" in by_unit and "尚未审定事项" not in by_unit
    found = text(client.get("/items/", {"q": "牵头"}))
    assert "发改牵头事项" in found and "尚未审定事项" not in found


def test_item_list_overdue_filter(district: District) -> None:
    d = district
    late = received(d, title="已逾期事项")
    Item.objects.filter(pk=late.pk).update(deadline=day(-1))
    received(d, title="未逾期事项")
    page = text(client_for(d.alice).get("/items/", {"overdue": "1"}))
    assert "已逾期事项" in page and "未逾期事项" not in page


def test_item_list_htmx_request_gets_only_the_table(district: District) -> None:
    d = district
    assigned(d)
    client = client_for(d.alice)
    partial = client.get("/items/", {"state": "assigned"}, headers={"HX-Request": "true", "HX-Target": "item-table"})
    body = text(partial)
    assert partial.status_code == 200
    assert body.lstrip().startswith('<section class="panel" id="item-table">') and "<html" not in body
    assert "/documents/export/items/?state=assigned" in body  # the export link carries the filters
    assert "HX-Request" in partial["Vary"]
    full = client.get("/items/", {"state": "assigned"})
    assert "<html" in text(full) and 'hx-get="/items/"' in text(full) and 'hx-push-url="true"' in text(full)


def test_item_list_paginates_by_50(district: District) -> None:
    d = district
    for n in range(51):
        registered(d, title=f"批量事项{n:02d}")
    client = client_for(d.alice)
    first = text(client.get("/items/"))
    assert first.count('class="title"') == 50 and "共 51 项" in first and "page=2" in first
    second = text(client.get("/items/", {"page": 2}))
    assert second.count('class="title"') == 1 and "批量事项00" in second  # oldest last


# --- Excel export -------------------------------------------------------------------------------


def _sheet(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


def test_export_is_the_filtered_list_with_title_header_and_frozen_pane(district: District) -> None:
    d = district
    item = assigned(d, title="导出的事项", level="especially")
    Item.objects.filter(pk=item.pk).update(return_count=2)
    registered(d, title="不在筛选内的事项")
    ws = _sheet(client_for(d.alice).get("/items/export.xlsx", {"state": "assigned"}))
    rows = list(ws.iter_rows(values_only=True))
    assert "示范区督查事项清单" in rows[0][0]
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert "A1:K1" in merged and "G2:H2" in merged  # 责任分工 over 牵头单位 | 配合单位 (issue #7)
    assert rows[1] == ("序号", "编号", "事项名称", "办理内容", "来源", "督查等级", "责任分工", None, "办结时限", "状态",
                       "退回次数")
    assert (rows[2][6], rows[2][7]) == ("牵头单位", "配合单位")
    assert ws.freeze_panes == "A4"
    assert len(rows) == 4
    number, code, title, _content, source, level, lead, co, deadline, state, returns = rows[3]
    assert (number, code, title) == (1, item.code, "导出的事项")
    assert (source, level, lead, co, state, returns) == (
        "常务会议/办公会议议定事项", "特别重要", "区发展和改革局", "区财政局", "待签收", 2
    )
    assert deadline.date() == item.deadline


def test_export_escapes_formula_cells(district: District) -> None:
    d = district
    registered(d, title="=HYPERLINK(\"http://evil\",\"点我\")", content="x")
    registered(d, title="@SUM(1+1)", content="x")
    ws = _sheet(client_for(d.alice).get("/items/export.xlsx"))
    titles = [row[2] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert sorted(titles) == sorted(["'=HYPERLINK(\"http://evil\",\"点我\")", "'@SUM(1+1)"])
    assert [escape_cell(v) for v in ("-1", "+1", "正常", 5)] == ["'-1", "'+1", "正常", 5]


# --- 立项 ---------------------------------------------------------------------------------------


def test_register_page_is_for_office_only(district: District) -> None:
    d = district
    assert client_for(d.alice).get("/items/new/").status_code == 200
    r = client_for(d.ursula).get("/items/new/")
    assert r.status_code == 403 and "只有督查室人员可以立项" in text(r)
    assert client_for(d.ursula).post("/items/new/", {"title": "x"}).status_code == 403
    assert not Item.objects.exists()


def test_register_form_registers_and_redirects_S0_9(district: District) -> None:
    d = district
    client = client_for(d.alice)
    r = client.post("/items/new/", {
        "title": "整治城区占道经营", "source": "public_concern", "level": "especially", "content": "两周内整治到位",
        "deadline": day(20).isoformat(), "supervising_leader": d.dave.pk,
    })
    item = Item.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/items/{item.pk}/"
    assert (item.state, item.level, item.supervising_leader_id, item.deadline) == (
        "pending_approval", "especially", d.dave.pk, day(20)
    )
    page = text(client.get(r["Location"]))
    assert "已立项" in page and "整治城区占道经营" in page and "S0-9" in page


def test_register_form_shows_every_missing_field_in_chinese(district: District) -> None:
    r = client_for(district.alice).post("/items/new/", {"title": "", "content": ""})
    page = text(r)
    assert r.status_code == 422
    for message in ("请填写事项名称。", "请填写办理内容。", "请选择事项来源。", "请选择督查等级"):
        assert message in page
    assert 'class="field has-error' in page
    assert not Item.objects.exists()


def test_register_form_rejects_past_deadline_and_both_deadline_kinds(district: District) -> None:
    client = client_for(district.alice)
    base = {"title": "t", "content": "c", "source": "other", "level": "fairly"}
    r = client.post("/items/new/", {**base, "deadline": day(-1).isoformat()})
    assert r.status_code == 422 and "办结时限不能早于今天。" in text(r)
    r = client.post("/items/new/", {**base, "deadline": day(5).isoformat(), "deadline_working_days": 3})
    assert r.status_code == 422 and "二者选一" in text(r)
    r = client.post("/items/new/", {**base, "deadline": "明天"})
    assert r.status_code == 422 and "请输入有效的日期" in text(r)
    assert not Item.objects.exists()


def test_register_confidential_only_for_cleared_staff_S1_9_5(district: District) -> None:
    """S1-九(五): an uncleared person cannot mark an item confidential (the field is disabled)."""
    d = district
    base = {"title": "涉密事项", "content": "c", "source": "other", "level": "fairly", "confidential": "on"}
    assert 'name="confidential"' in text(client_for(d.alice).get("/items/new/"))
    client_for(d.alice).post("/items/new/", base)
    assert Item.objects.get().confidential is False
    client_for(d.carl).post("/items/new/", {**base, "title": "真涉密事项"})
    assert Item.objects.get(title="真涉密事项").confidential is True


# --- item page ----------------------------------------------------------------------------------


def test_item_page_shows_header_assignments_timeline_with_rule_ids(district: District) -> None:
    d = district
    item = received(d, title="详情页事项")
    Item.objects.filter(pk=item.pk).update(deadline_provisional=True)
    page = text(client_for(d.alice).get(f"/items/{item.pk}/"))
    assert item.code in page and "详情页事项" in page and "比较重要" in page and "办理中" in page
    assert "待确认" in page  # SPEC §8: provisional deadline
    assert "区发展和改革局" in page and "牵头单位" in page and "区财政局" in page and "资金保障" in page
    assert "王副局长 / 规划科 / 李科长" in page
    timeline = page.split('id="timeline"', 1)[1]
    for label, rule in (("立项", "S0-9"), ("审定", "S0-9"), ("交办", "S1-五(二)"), ("签收", "S0-10")):
        assert label in timeline and rule in timeline
    assert "艾督查" in timeline and "欧主任" in timeline and "于联络员" in timeline


def test_item_page_shows_only_the_actions_the_user_may_take(district: District) -> None:
    d = district
    item = registered(d)
    olga = text(client_for(d.olga).get(f"/items/{item.pk}/"))
    assert 'id="action-approve"' in olga and 'id="action-decline"' in olga
    alice = text(client_for(d.alice).get(f"/items/{item.pk}/"))
    assert 'id="action-approve"' not in alice

    item = assigned(d)
    ursula = text(client_for(d.ursula).get(f"/items/{item.pk}/"))
    assert 'id="action-receive"' in ursula and 'id="action-object"' in ursula
    assert 'id="action-report_progress"' not in ursula and 'id="action-assign"' not in ursula
    colin = text(client_for(d.colin).get(f"/items/{item.pk}/"))
    assert 'id="action-receive"' in colin and 'id="action-report_completion"' not in colin
    leader = text(client_for(d.dave).get(f"/items/{item.pk}/"))
    assert 'id="action-receive"' not in leader


def test_item_page_action_forms_post_with_htmx_and_version(district: District) -> None:
    d = district
    item = completion_reported(d)
    page = text(client_for(d.alice).get(f"/items/{item.pk}/"))
    assert f'hx-post="/items/{item.pk}/actions/office_return/"' in page
    assert f'action="/items/{item.pk}/actions/office_return/"' in page  # works without JS too
    assert f'name="version" value="{item.version}"' in page
    assert 'hx-target="#main"' in page and 'hx-select="#main"' in page


def test_item_page_overdue_and_return_count(district: District) -> None:
    d = district
    item = received(d)
    Item.objects.filter(pk=item.pk).update(deadline=day(-2), return_count=1)
    page = text(client_for(d.alice).get(f"/items/{item.pk}/"))
    assert "已逾期 2 天" in page and "退回 1 次" in page


def test_timezone_is_local_in_timeline(district: District) -> None:
    d = district
    item = registered(d)
    local = timezone.localtime(item.registered_at).strftime("%Y-%m-%d %H:%M")
    assert local in text(client_for(d.alice).get(f"/items/{item.pk}/"))


def test_item_page_unfolds_the_main_next_step_only(district: District) -> None:
    d = district
    item = received(d)
    page = text(client_for(d.ursula).get(f"/items/{item.pk}/"))
    assert 'id="action-report_progress" data-action="report_progress" open' in page
    assert 'data-action="object" open' not in page and 'data-action="attach" open' not in page
