from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import District

pytestmark = pytest.mark.django_db


def test_unit_tree_page_lists_the_jurisdictions_units_indented(district: District) -> None:
    client = Client()
    client.force_login(district.ursula)
    page = client.get("/org/units/").content.decode()
    assert "区发展和改革局" in page and "└ 区价格认证中心" in page
