"""三员分立 (issue #8 §1; 等级保护 2.0 level 3 安全管理中心): system, security and audit administrators are
separate people, none grants itself or anyone another of the three, none reads business content."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from duban.accounts import services
from duban.accounts.models import AuditKind, AuditRecord
from duban.accounts.separation import SeparationError
from duban.core.lifecycle import Level, Role
from duban.items import services as items
from duban.items.access import visible_items
from duban.items.models import Source
from duban.org.models import RoleGrant, User
from tests.factories import District, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(district: District) -> dict[str, User]:
    j = district.alice.jurisdiction
    root = UserFactory(username="root", jurisdiction=j, is_superuser=True, is_staff=True)
    return {
        "root": root,
        "sys": UserFactory(username="sys", jurisdiction=j, roles=[Role.SYSADMIN], is_staff=True),
        "sec": UserFactory(username="sec", jurisdiction=j, roles=[Role.SECURITY_ADMIN], is_staff=True),
        "aud": UserFactory(username="aud", jurisdiction=j, roles=[Role.AUDIT_ADMIN], is_staff=True),
    }


@pytest.mark.parametrize("granter", ["sys", "sec", "aud"])
@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_no_administrator_grants_an_administrator_role_to_anyone(
    admins: dict[str, User], district: District, granter: str, role: Role
) -> None:
    fresh = UserFactory(username="fresh", jurisdiction=district.alice.jurisdiction)
    for target in (fresh, admins[granter]):
        with pytest.raises(services.AccountError, match=r"三员分立|自己|已担任"):
            services.grant_role(actor=admins[granter], user=target, role=role)
    assert not RoleGrant.objects.filter(user=fresh).exists()
    assert set(admins[granter].role_grants.values_list("role", flat=True)) == {
        {"sys": Role.SYSADMIN, "sec": Role.SECURITY_ADMIN, "aud": Role.AUDIT_ADMIN}[granter].value
    }


def test_one_person_cannot_hold_two_of_the_three_even_from_the_superuser(admins: dict[str, User]) -> None:
    with pytest.raises(services.AccountError, match="不同人员"):
        services.grant_role(actor=admins["root"], user=admins["sys"], role=Role.AUDIT_ADMIN)
    with pytest.raises(services.AccountError, match="专用账号"):
        services.grant_role(actor=admins["root"], user=admins["sys"], role=Role.OFFICE_STAFF)
    # The guard also sits under the model (a pre_save signal): no path around it.
    with pytest.raises(SeparationError):
        RoleGrant.objects.create(jurisdiction=admins["sec"].jurisdiction, user=admins["sec"], role=Role.SYSADMIN)


def test_nobody_grants_themselves_anything(admins: dict[str, User], district: District) -> None:
    with pytest.raises(services.AccountError, match="自己"):
        services.grant_role(actor=admins["sys"], user=admins["sys"], role=Role.INSPECTOR)
    with pytest.raises(services.AccountError, match="自己"):
        services.grant_role(actor=admins["root"], user=admins["root"], role=Role.SECURITY_ADMIN)


def test_business_roles_are_granted_by_the_system_administrator_not_the_other_two(
    admins: dict[str, User], district: District
) -> None:
    services.grant_role(actor=admins["sys"], user=district.oscar, role=Role.INSPECTOR)
    for who in ("sec", "aud"):
        with pytest.raises(services.AccountError):
            services.grant_role(actor=admins[who], user=district.colin, role=Role.INSPECTOR)
    with pytest.raises(services.AccountError):
        services.grant_role(actor=district.ursula, user=district.colin, role=Role.INSPECTOR)
    assert AuditRecord.objects.filter(kind=AuditKind.ROLE_GRANTED, actor_id=admins["sys"].pk).exists()


def test_clearance_is_the_security_administrators_and_nobody_changes_their_own_flags(
    admins: dict[str, User], district: District
) -> None:
    from duban.accounts.signals import acting

    oscar = User.objects.get(pk=district.oscar.pk)
    oscar.cleared_confidential = True
    with acting(admins["sys"]), pytest.raises(SeparationError, match="安全管理员"):
        oscar.save()
    with acting(admins["sec"]):
        oscar.save()
    assert User.objects.get(pk=oscar.pk).cleared_confidential
    sec = User.objects.get(pk=admins["sec"].pk)
    sec.is_superuser = True
    with acting(sec), pytest.raises(SeparationError, match="自己"):
        sec.save()


def test_the_three_administrators_read_no_business_content(
    admins: dict[str, User], district: District, as_user: Any
) -> None:
    item = items.do_register(actor=district.alice, title="普通事项", content="内容", source=Source.OTHER,
                             level=Level.GENERALLY_IMPORTANT)
    for key in ("sys", "sec", "aud"):
        user = User.objects.get(pk=admins[key].pk)
        user.cleared_confidential = True  # even with a clearance
        assert not visible_items(user).exists()
        client = as_user(admins[key])
        assert client.get(f"/items/{item.pk}/").status_code == 404
        assert client.get("/api/items/").json()["items"] == []
        assert client.get(f"/api/items/{item.pk}").status_code == 404
        assert client.get("/admin/items/item/").status_code == 403
        assert client.get(f"/admin/items/item/{item.pk}/change/").status_code == 403


def test_audit_log_page_is_the_audit_administrators_only(admins: dict[str, User], district: District,
                                                        as_user: Any) -> None:
    for key in ("sys", "sec", "root"):
        assert as_user(admins[key]).get("/accounts/audit/").status_code == 403
    assert as_user(district.alice).get("/accounts/audit/").status_code == 403
    page = as_user(admins["aud"]).get("/accounts/audit/")
    assert page.status_code == 200 and "审计链完整" in page.content.decode()
    assert as_user(admins["aud"]).get("/admin/accounts/auditrecord/").status_code == 200
    assert as_user(admins["sys"]).get("/admin/accounts/auditrecord/").status_code == 403


# --- the Django admin ------------------------------------------------------------------------------


def _change_form(client: Client, user: User) -> dict[str, Any]:
    """The admin change form's current values, ready to post back with changes."""
    page = client.get(f"/admin/org/user/{user.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name == "password" or field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    grants = list(user.role_grants.all())
    data.update({
        "role_grants-TOTAL_FORMS": str(len(grants) + 1), "role_grants-INITIAL_FORMS": str(len(grants)),
        "role_grants-MIN_NUM_FORMS": "0", "role_grants-MAX_NUM_FORMS": "1000",
    })
    for k, g in enumerate(grants):
        data[f"role_grants-{k}-id"] = g.pk
        data[f"role_grants-{k}-user"] = user.pk
        data[f"role_grants-{k}-role"] = g.role
    data["_new"] = len(grants)
    return data


def test_admin_offers_administrator_roles_to_the_superuser_only(admins: dict[str, User], district: District,
                                                               as_user: Any) -> None:
    sys_client = as_user(admins["sys"])
    page = sys_client.get(f"/admin/org/user/{district.oscar.pk}/change/").content.decode()
    assert 'value="inspector"' in page
    assert 'value="security_admin"' not in page and 'value="audit_admin"' not in page
    root_page = as_user(admins["root"]).get(f"/admin/org/user/{district.oscar.pk}/change/").content.decode()
    assert 'value="security_admin"' in root_page


def test_admin_refuses_a_second_administrator_role_with_a_chinese_reason(admins: dict[str, User],
                                                                        as_user: Any) -> None:
    client = as_user(admins["root"])
    data = _change_form(client, admins["sec"])
    n = data.pop("_new")
    data[f"role_grants-{n}-role"] = Role.AUDIT_ADMIN.value
    data[f"role_grants-{n}-user"] = admins["sec"].pk
    response = client.post(f"/admin/org/user/{admins['sec'].pk}/change/", data)
    assert response.status_code == 200  # the form again, with the reason
    assert "三员分立" in response.content.decode()
    assert set(admins["sec"].role_grants.values_list("role", flat=True)) == {Role.SECURITY_ADMIN.value}


def test_admin_makes_clearance_read_only_for_the_system_administrator(admins: dict[str, User],
                                                                     district: District, as_user: Any) -> None:
    page = as_user(admins["sys"]).get(f"/admin/org/user/{district.oscar.pk}/change/")
    assert "cleared_confidential" not in page.context["adminform"].form.fields
    page = as_user(admins["sec"]).get(f"/admin/org/user/{district.oscar.pk}/change/")
    assert "cleared_confidential" in page.context["adminform"].form.fields
    own = as_user(admins["sec"]).get(f"/admin/org/user/{admins['sec'].pk}/change/")
    assert "cleared_confidential" not in own.context["adminform"].form.fields


def test_a_password_reset_in_the_admin_must_be_changed_at_next_sign_in(admins: dict[str, User],
                                                                       district: District, as_user: Any) -> None:
    from duban.accounts.models import AccountSecurity

    client = as_user(admins["root"])
    weak = client.post(f"/admin/org/user/{district.oscar.pk}/password/",
                       {"password1": "short", "password2": "short", "usable_password": "true"})
    assert weak.status_code == 200  # the policy applies in the admin too
    assert not AccountSecurity.objects.filter(user=district.oscar, must_change_password=True).exists()
    ok = client.post(f"/admin/org/user/{district.oscar.pk}/password/",
                     {"password1": "Reset#2026-pw", "password2": "Reset#2026-pw", "usable_password": "true"})
    assert ok.status_code == 302
    assert AccountSecurity.objects.get(user=district.oscar).must_change_password
    fresh = Client()
    fresh.post("/login/", {"username": "oscar", "password": "Reset#2026-pw"})
    assert fresh.get("/items/")["Location"] == "/accounts/password/"


def test_S1_9_5_business_tables_in_the_admin_follow_the_app_not_the_superuser_flag(
    admins: dict[str, User], district: District, as_user: Any
) -> None:
    """The superuser flag is for granting the three administrator roles; it opens no business table.
    Office staff given the admin's view permission see there what they see in the app: a confidential
    item only when cleared (S1-九(五): 涉密 items invisible to uncleared staff, lists included)."""
    from django.contrib.auth.models import Permission

    plain = items.do_register(actor=district.alice, title="普通事项", content="内容", source=Source.OTHER,
                              level=Level.GENERALLY_IMPORTANT)
    secret = items.do_register(actor=district.carl, title="涉密事项", content="内容", source=Source.OTHER,
                               level=Level.GENERALLY_IMPORTANT, confidential=True)
    root = as_user(admins["root"])
    assert root.get("/admin/items/item/").status_code == 403
    assert root.get(f"/admin/items/item/{secret.pk}/change/").status_code == 403
    assert root.get("/admin/scoring/scoreentry/").status_code == 403
    assert "items/item" not in root.get("/admin/").content.decode()
    view_items = Permission.objects.get(codename="view_item")
    for person, sees_secret in ((district.alice, False), (district.carl, True)):
        User.objects.filter(pk=person.pk).update(is_staff=True)
        person.user_permissions.add(view_items)
        page = as_user(User.objects.get(pk=person.pk)).get("/admin/items/item/")
        assert page.status_code == 200
        text = page.content.decode()
        assert plain.title in text and (secret.title in text) == sees_secret
