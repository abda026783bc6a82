"""Scoring in a real browser (issue 4): the office records a fact with evidence, the ranking page shows
the changed rank, and the unit's page shows the line with its rule ID (S0-A三.1) and the entry behind it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from duban.org.models import Category
from tests.factories import PASSWORD, make_district
from tests.web.conftest import closed

pytestmark = [pytest.mark.browser]


def login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def rank_of(page: Page, name: str) -> str:
    return page.locator("table.ranking tr", has_text=name).locator("td.rank").inner_text()


@pytest.mark.django_db(transaction=True)
def test_fact_changes_the_rank_and_the_line_names_its_rule(page: Page, live_server: object) -> None:
    base = str(live_server)
    d = make_district()
    zh = Category.objects.create(jurisdiction=d.jurisdiction, code="ZH", name="综合管理类")
    for unit in (d.lead, d.co, d.other):
        unit.category = zh
        unit.save()
    closed(d)  # 区发展和改革局 closes an item as lead: 80 + 10 (S0-A三.5) = 90, first

    login(page, base, "alice")
    page.goto(base + "/scoring/")
    expect(page.locator("h1")).to_contain_text("考核排名")
    assert rank_of(page, "区发展和改革局") == "1/3" and rank_of(page, "区财政局") == "2/3"
    expect(page.locator("#ranking-chart canvas")).to_have_count(1)  # ECharts drew the chart

    page.click("text=录入评分事实")
    page.select_option("select[name=unit]", label="综合管理类 · 区财政局")
    page.select_option("#f-kind", "commendation")
    expect(page.locator("label[data-attr=tier]")).to_be_visible()
    expect(page.locator("label[data-attr=colour]")).to_be_hidden()  # only the kind's own attributes
    page.select_option("select[name=attr_tier]", "national")
    page.fill("input[name=times]", "3")
    page.fill("textarea[name=description]", "督查工作获国务院办公厅通报表扬（3 项）")
    page.fill("input[name=evidence_ref]", "国办督〔2026〕7号")
    page.click("#fact-form button[type=submit]")

    # The unit's page: the line with its rule ID, the clause, and the recorded fact behind it.
    expect(page.locator("h1")).to_contain_text("区财政局")
    expect(page.locator("#unit-total")).to_contain_text("95")  # 80 + 3 × 5 (S0-A三.1, national)
    line = page.locator("tr.line", has_text="S0-A三.1")
    expect(line).to_contain_text("表彰加分")
    expect(line).to_contain_text("国办督〔2026〕7号")
    expect(line).to_contain_text("+15")

    page.goto(base + "/scoring/")
    assert rank_of(page, "区财政局") == "1/3" and rank_of(page, "区发展和改革局") == "2/3"
    # htmx: choosing a category re-renders only the table.
    page.select_option("select[name=category]", "ZH")
    expect(page.locator("table.ranking tbody tr")).to_have_count(3)
