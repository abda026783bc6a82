"""Organisation: jurisdictions, the unit tree, assessment categories, people and their roles (SPEC §1).

Every table that users own carries ``jurisdiction`` so a large deployment can partition or shard by it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.lifecycle import Role

ROLE_LABELS: dict[Role, str] = {
    Role.OFFICE_STAFF: "督查室工作人员",
    Role.OFFICE_HEAD: "政府办公室主要领导",
    Role.DEPUTY_HEAD: "分管副职领导",
    Role.GOV_HEAD: "政府主要领导",
    Role.UNIT_HEAD: "单位主要负责人",
    Role.UNIT_LIAISON: "单位联络员",
    Role.RESPONSIBLE_LEADER: "单位分管领导",
    Role.RESPONSIBLE_PERSON: "具体经办人",
    Role.INSPECTOR: "督查员",
    Role.GRID_WORKER: "网格员",
    Role.ASSESSMENT: "绩考办",
    Role.DISCIPLINE: "纪检监察",
    Role.ORGANISATION: "组织部",
    Role.SYSADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}


class Jurisdiction(models.Model):
    """An administrative area whose government runs a supervision office (区/县/市)."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("区")
        COUNTY = "county", _("县")
        CITY = "city", _("市")

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.DISTRICT)
    office_name = models.CharField(_("督查机构名称"), max_length=100, default="政府督查室")

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """An assessment category: units are ranked within one (S0 appendix: 8 categories; S2c: A/B/C)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("辖区"))
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核类别")
        verbose_name_plural = _("考核类别")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="category_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit in the tree (S0-3, S1-一): departments, stationed units, zones, towns, communities …

    ``path`` is a materialised path (``/12/40/``) so "this unit and everything below it" is one
    indexed ``startswith`` query, whatever the depth of the tree.
    """

    class Kind(models.TextChoices):
        OFFICE = "office", _("督查机构")
        GOVERNMENT = "government", _("政府领导机构")
        DEPARTMENT = "department", _("部门")
        SUBORDINATE = "subordinate", _("下属单位")
        STATIONED = "stationed", _("驻区单位")
        ZONE = "zone", _("功能区")
        SUBDISTRICT = "subdistrict", _("街道")
        TOWN = "town", _("乡镇")
        COMMUNITY = "community", _("社区")
        TEMPORARY = "temporary", _("临时机构")
        OVERSIGHT = "oversight", _("监督机关")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("辖区"))
    code = models.CharField(_("单位代码"), max_length=32)
    name = models.CharField(_("单位名称"), max_length=120)
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("上级单位"),
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("考核类别")
    )
    supervising_leader = models.ForeignKey(
        "org.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="supervised_units",
        verbose_name=_("分管领导"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "code"], name="unit_code_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        expected = (self.parent.path if self.parent else "/") + f"{self.pk}/"
        if self.path != expected:
            old = self.path
            self.path = expected
            Unit.objects.filter(pk=self.pk).update(path=expected)
            if old:
                # Re-root the subtree when a unit moves to another parent.
                for child in Unit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    Unit.objects.filter(pk=child.pk).update(path=expected + child.path[len(old):])

    def subtree(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)


class User(AbstractUser):
    """A person who signs in. ``unit`` is where they work; roles are ``RoleGrant`` rows."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("辖区")
    )
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("所在单位")
    )
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    cleared_confidential = models.BooleanField(
        _("可查阅涉密事项"), default=False, help_text=_("S1-九(五): 涉密事项仅限有权限的人员查阅")
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def role_set(self) -> frozenset[Role]:
        cached: frozenset[Role] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(Role(r) for r in self.role_grants.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, *roles: Role) -> bool:
        return not self.role_set().isdisjoint(roles)


class RoleGrant(models.Model):
    """One role held by one person (SPEC §1 roles)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, verbose_name=_("辖区"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("人员"))
    role = models.CharField(_("角色"), max_length=32, choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {ROLE_LABELS.get(Role(self.role), self.role)}"
