"""Writes for community grid management (S2a). Each ``do_*`` runs in one transaction, checks who may
act, validates its input (``InvalidInput`` with Chinese messages, nothing written), writes its rows and
appends one ledger event (who, when, rule ID, before/after).

Ledger event kinds (read by scoring and the figures; ``data`` always carries ``grid``, ``community``):
``grid.boundary_set``, ``grid.saved``, ``grid.imported``, ``grid.attributes``, ``grid.duty_assigned``,
``grid.duty_removed``, ``grid.patrol_in``, ``grid.patrol_out`` (``minutes``), ``grid.log``,
``grid.concern_received``, ``grid.concern_classified`` (``tier``, ``response_minutes``),
``grid.concern_reassigned``, ``grid.concern_escalated``, ``grid.concern_to_item``,
``grid.concern_resolved`` (``on_time``, ``resolve_minutes``), ``grid.concern_feedback`` (``satisfaction``),
``grid.concern_urged``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from shapely.geometry import mapping

from duban.core import grid_topology as topo
from duban.core.grid_rules import (
    DEFAULT_TIERS,
    TIER_LABELS,
    TIER_RULE,
    Tier,
    classification_due,
    response_deadline,
    week_start,
)
from duban.core.lifecycle import UNIT_ROLES
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.services import next_number
from duban.ledger import chain
from duban.notify.services import notify
from duban.org.models import Unit, User
from duban.workcal.service import current_calendar

from . import access
from .models import (
    SERVICE_TYPES,
    CommunityBoundary,
    Concern,
    ConcernUrge,
    Duty,
    Grid,
    LogEntry,
    Patrol,
    WeeklyReview,
)

NO_PERMISSION = "您没有权限执行此操作。"
NOT_FOUND = "诉求不存在或您无权查看。"
STALE = "已被他人修改，请刷新页面后重试。"
# Kinds of problem that refuse a save; a plain gap is only reported (the rest of the community may not
# be drawn yet) and stays red on the community map until it is covered (S2a-二(一)).
BLOCKING = ("overlap", "sliver_overlap", "sliver_gap", "outside", "sliver_grid")

SERVICES = SERVICE_TYPES  # Open311 service codes = issue types of the 民情日志
SERVICE_RULE = "S2a-二(三)"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _local(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now)


def _unit_data(grid: Grid | None, community: Unit | None) -> dict[str, Any]:
    return {"grid": grid.pk if grid else None, "grid_code": grid.code if grid else "",
            "community": community.pk if community else None}


class TopologyRefused(InvalidInput):
    """A save refused by the topology check; ``report`` says exactly where (S2a-二(一))."""

    def __init__(self, report: topo.TopologyReport, blocking: list[topo.Problem]) -> None:
        super().__init__(
            "网格不符合“不留空白、不得交叉重叠”的要求，未保存：\n" + "\n".join(p.message for p in blocking),
            field_errors={"geometry": blocking[0].message},
        )
        self.report = report
        self.blocking = blocking


def _require_manager(actor: User, community: Unit) -> None:
    if community.kind != Unit.Kind.COMMUNITY:
        raise InvalidInput("只能为社区划分网格。", field_errors={"community": "不是社区"})
    if not access.manages(actor, community):
        raise PermissionDenied(NO_PERMISSION)


# ---- boundaries and grids -------------------------------------------------------------------------------


def community_shapes(community: Unit, *, exclude: int | None = None) -> dict[str, Any]:
    return {
        g.code: topo.parse_geometry(g.geometry, where=f"网格 {g.code}")
        for g in Grid.objects.filter(community=community, active=True).exclude(pk=exclude)
    }


def topology_report(community: Unit) -> topo.TopologyReport | None:
    boundary = CommunityBoundary.objects.filter(community=community).first()
    if boundary is None:
        return None
    return topo.check_cover(topo.parse_geometry(boundary.geometry, where="社区边界"), community_shapes(community))


@transaction.atomic
def do_set_boundary(*, actor: User, community: Unit, geometry: Any, complaint_phone: str = "",
                    now: dt.datetime | None = None) -> CommunityBoundary:
    now = _now(now)
    _require_manager(actor, community)
    try:
        geom = topo.parse_geometry(geometry, where="社区边界")
    except topo.GeometryError as exc:
        raise InvalidInput(str(exc), field_errors={"boundary": str(exc)}) from exc
    existing = CommunityBoundary.objects.filter(community=community).first()
    before = {"area_m2": existing.area_m2} if existing else {}
    boundary, _ = CommunityBoundary.objects.update_or_create(
        community=community,
        defaults={"jurisdiction_id": community.jurisdiction_id, "geometry": mapping(geom),
                  "area_m2": topo.area_m2(geom), "updated_at": now,
                  **({"complaint_phone": complaint_phone.strip()} if complaint_phone else {})},
    )
    chain.append(
        jurisdiction_id=community.jurisdiction_id, kind="grid.boundary_set", at=now, actor=actor, unit=community,
        rule_id=topo.RULE, summary=f"设定{community.name}边界（{boundary.area_m2:.0f} 平方米）",
        before=before, after={"area_m2": round(boundary.area_m2, 1)}, data=_unit_data(None, community),
    )
    return boundary


@dataclass(frozen=True)
class GridAttrs:
    households: int = 0
    registered_population: int = 0
    floating_population: int = 0
    compound_type: str = Grid.Compound.MIXED
    complaint_phone: str = ""

    def validate(self) -> None:
        errors: dict[str, str] = {}
        for name in ("households", "registered_population", "floating_population"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                errors[name] = "须为不小于 0 的整数。"
        if self.compound_type not in Grid.Compound.values:
            errors["compound_type"] = "请选择小区类型。"
        if errors:
            raise InvalidInput("网格属性有误。", field_errors=errors)

    @classmethod
    def from_properties(cls, props: Mapping[str, Any], where: str) -> GridAttrs:
        def number(key: str) -> int:
            value = props.get(key, 0)
            if value in (None, ""):
                return 0
            try:
                result = int(value)
            except (TypeError, ValueError) as exc:
                raise InvalidInput(f"{where}：{key} 应为整数（收到 {value!r}）。") from exc
            if result < 0:
                raise InvalidInput(f"{where}：{key} 不能为负数。")
            return result

        compound = str(props.get("compound_type") or Grid.Compound.MIXED)
        if compound not in Grid.Compound.values:
            labels = {str(label): value for value, label in Grid.Compound.choices}
            if compound not in labels:
                raise InvalidInput(f"{where}：小区类型 {compound!r} 无效。")
            compound = labels[compound]
        return cls(number("households"), number("registered_population"), number("floating_population"),
                   compound, str(props.get("complaint_phone") or ""))


def _bbox(geom: Any) -> dict[str, float]:
    minx, miny, maxx, maxy = geom.bounds
    return {"min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}


def _check_blocking(community: Unit, shapes: Mapping[str, Any], codes: set[str]) -> topo.TopologyReport | None:
    boundary = CommunityBoundary.objects.filter(community=community).first()
    if boundary is None:
        raise InvalidInput(f"请先设定{community.name}的社区边界，再划分网格（{topo.RULE}）。",
                           field_errors={"boundary": "缺少社区边界"})
    report = topo.check_cover(topo.parse_geometry(boundary.geometry, where="社区边界"), shapes)
    blocking = [p for p in report.problems if p.kind in BLOCKING and (set(p.grids) & codes or not p.grids)]
    if blocking:
        raise TopologyRefused(report, blocking)
    return report


@transaction.atomic
def do_save_grid(*, actor: User, community: Unit, code: str, name: str, geometry: Any,
                 attrs: GridAttrs | None = None, grid: Grid | None = None, version: int | None = None,
                 now: dt.datetime | None = None) -> tuple[Grid, topo.TopologyReport | None]:
    """Create or redraw one grid (browser drawing); refused when it would overlap, leave a sliver or go
    outside the boundary. Returns the grid and the community's report (remaining gaps) after the save."""
    now = _now(now)
    _require_manager(actor, community)
    code = (code or "").strip()
    name = (name or "").strip()
    errors = {}
    if not code:
        errors["code"] = "请填写网格编号。"
    if not name:
        errors["name"] = "请填写网格名称。"
    if errors:
        raise InvalidInput("请补全网格信息。", field_errors=errors)
    try:
        geom = topo.parse_geometry(geometry, where=f"网格 {code}")
    except topo.GeometryError as exc:
        raise InvalidInput(str(exc), field_errors={"geometry": str(exc)}) from exc
    if grid is not None:
        grid = Grid.objects.select_for_update().get(pk=grid.pk)
        if grid.community_id != community.pk:
            raise InvalidInput("网格不属于该社区。")
        if version is not None and grid.version != version:
            raise StateConflict(STALE)
    clash = Grid.objects.filter(community=community, code=code).exclude(pk=grid.pk if grid else None)
    if clash.exists():
        raise InvalidInput(f"网格编号 {code} 已存在。", field_errors={"code": "编号重复"})
    shapes = community_shapes(community, exclude=grid.pk if grid else None)
    boundary = CommunityBoundary.objects.filter(community=community).first()
    if boundary is not None:  # drawn by hand: meet the boundary and the neighbours exactly (draw_snap_m)
        geom = topo.snap_to(geom, [topo.parse_geometry(boundary.geometry), *shapes.values()])
    shapes[code] = geom
    report = _check_blocking(community, shapes, {code})
    attrs = attrs or (GridAttrs(grid.households, grid.registered_population, grid.floating_population,
                                grid.compound_type, grid.complaint_phone) if grid else GridAttrs())
    attrs.validate()
    before = {"code": grid.code, "name": grid.name, "area_m2": round(grid.area_m2, 1)} if grid else {}
    fields = {"code": code, "name": name, "geometry": mapping(geom), "area_m2": topo.area_m2(geom),
              **_bbox(geom), "households": attrs.households, "registered_population": attrs.registered_population,
              "floating_population": attrs.floating_population, "compound_type": attrs.compound_type,
              "complaint_phone": attrs.complaint_phone.strip(), "updated_at": now}
    if grid is None:
        grid = Grid.objects.create(jurisdiction_id=community.jurisdiction_id, community=community, **fields)
    else:
        for key, value in fields.items():
            setattr(grid, key, value)
        grid.version += 1
        grid.save()
    chain.append(
        jurisdiction_id=community.jurisdiction_id, kind="grid.saved", at=now, actor=actor, unit=community,
        rule_id=topo.RULE, summary=f"{'修改' if before else '新建'}网格 {code} {name}（{grid.area_m2:.0f} 平方米）",
        before=before, after={"code": code, "name": name, "area_m2": round(grid.area_m2, 1)},
        data={**_unit_data(grid, community), "gaps": len(report.of_kind("gap")) if report else 0},
    )
    return grid, report


@transaction.atomic
def do_import_grids(*, actor: User, community: Unit, data: Any, boundary: Any = None,
                    now: dt.datetime | None = None) -> tuple[list[Grid], topo.TopologyReport | None]:
    """Import a GeoJSON FeatureCollection of grids (WGS84) for one community, all or nothing: a grid with
    the code of an existing one replaces its shape and attributes; the whole set is checked against the
    boundary (S2a-二(一)) and refused with every blocking problem listed."""
    now = _now(now)
    _require_manager(actor, community)
    if boundary is not None:
        do_set_boundary(actor=actor, community=community, geometry=boundary, now=now)
    try:
        features = topo.parse_feature_collection(data)
    except topo.GeometryError as exc:
        raise InvalidInput(str(exc), field_errors={"file": str(exc)}) from exc
    attrs = {f.code: GridAttrs.from_properties(f.properties, f"网格 {f.code}") for f in features}
    shapes = community_shapes(community)
    for f in features:
        shapes[f.code] = f.geometry
    report = _check_blocking(community, shapes, {f.code for f in features})
    existing = {g.code: g for g in Grid.objects.filter(community=community)}
    saved: list[Grid] = []
    for f in features:
        a = attrs[f.code]
        fields = {"name": f.name, "geometry": mapping(f.geometry), "area_m2": topo.area_m2(f.geometry),
                  **_bbox(f.geometry), "households": a.households, "registered_population": a.registered_population,
                  "floating_population": a.floating_population, "compound_type": a.compound_type,
                  "complaint_phone": a.complaint_phone, "updated_at": now, "active": True}
        grid = existing.get(f.code)
        if grid is None:
            grid = Grid.objects.create(jurisdiction_id=community.jurisdiction_id, community=community,
                                       code=f.code, **fields)
        else:
            for key, value in fields.items():
                setattr(grid, key, value)
            grid.version += 1
            grid.save()
        saved.append(grid)
    chain.append(
        jurisdiction_id=community.jurisdiction_id, kind="grid.imported", at=now, actor=actor, unit=community,
        rule_id=topo.RULE, summary=f"导入{community.name}网格 {len(saved)} 个",
        after={"codes": [g.code for g in saved]},
        data={**_unit_data(None, community), "gaps": len(report.of_kind("gap")) if report else 0},
    )
    return saved, report


@transaction.atomic
def do_update_attributes(*, actor: User, grid: Grid, attrs: GridAttrs, now: dt.datetime | None = None) -> Grid:
    now = _now(now)
    _require_manager(actor, grid.community)
    attrs.validate()
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    names = ("households", "registered_population", "floating_population", "compound_type", "complaint_phone")
    before = {n: getattr(grid, n) for n in names}
    for n in names:
        setattr(grid, n, getattr(attrs, n))
    grid.version += 1
    grid.updated_at = now
    grid.save()
    chain.append(
        jurisdiction_id=grid.jurisdiction_id, kind="grid.attributes", at=now, actor=actor, unit=grid.community,
        rule_id="S2a-二(一)", summary=f"修改网格 {grid.code} 属性", before=before,
        after={n: getattr(grid, n) for n in names}, data=_unit_data(grid, grid.community),
    )
    return grid


# ---- duties -----------------------------------------------------------------------------------------------


DUTY_RULES = {
    Duty.Kind.LEADER: "S2a-二(二)", Duty.Kind.SUPERVISOR: "S2a-二(四)", Duty.Kind.DIRECT: "S2a-二(四)",
    Duty.Kind.A_ROLE: "S2a-二(四)", Duty.Kind.B_ROLE: "S2a-二(四)", Duty.Kind.MEMBER: "S2a-二(二)",
}


@transaction.atomic
def do_assign_duty(*, actor: User, grid: Grid, user: User, kind: str, scope: str = Duty.Scope.ONE,
                   full_time: bool = False, public_phone: str = "", duty_text: str = "",
                   now: dt.datetime | None = None) -> Duty:
    now = _now(now)
    _require_manager(actor, grid.community)
    errors: dict[str, str] = {}
    if kind not in Duty.Kind.values:
        errors["kind"] = "请选择职责。"
    if scope not in Duty.Scope.values:
        errors["scope"] = "请选择专管一格或兼管多格。"
    if user.jurisdiction_id != grid.jurisdiction_id:
        errors["user"] = "人员不属于本辖区。"
    if errors:
        raise InvalidInput("职责信息有误。", field_errors=errors)
    if kind in (Duty.Kind.A_ROLE, Duty.Kind.B_ROLE):
        # S2a-二(四): 设立网格管理AB角，两人负责一个网格 — one A and one B per grid, two different people.
        if Duty.objects.filter(grid=grid, kind=kind).exclude(user=user).exists():
            raise InvalidInput(f"该网格已有{Duty.Kind(kind).label}，请先解除（S2a-二(四)）。",
                               field_errors={"kind": "已有"})
        other = Duty.Kind.B_ROLE if kind == Duty.Kind.A_ROLE else Duty.Kind.A_ROLE
        if Duty.objects.filter(grid=grid, kind=other, user=user).exists():
            raise InvalidInput("A角和B角须为两个人（S2a-二(四)）。", field_errors={"user": "同一人"})
    if kind == Duty.Kind.LEADER and Duty.objects.filter(grid=grid, kind=kind).exclude(user=user).exists():
        raise InvalidInput("该网格已有格长，请先解除（S2a-二(二)）。", field_errors={"kind": "已有格长"})
    if scope == Duty.Scope.ONE:
        elsewhere = Duty.objects.filter(user=user, scope=Duty.Scope.ONE).exclude(grid=grid)
        if elsewhere.exists():
            raise InvalidInput(f"{user.display_name}已专管网格 {elsewhere.first().grid.code}，"  # type: ignore[union-attr]
                               "如兼管多格请选择“兼管多格”（S2a-二(二)）。", field_errors={"scope": "已专管一格"})
    try:
        with transaction.atomic():
            duty = Duty.objects.create(
                jurisdiction_id=grid.jurisdiction_id, grid=grid, user=user, kind=kind, scope=scope,
                full_time=full_time, public_phone=(public_phone or user.phone).strip(),
                duty_text=duty_text.strip(), since=_local(now).date(),
            )
    except IntegrityError as exc:
        raise InvalidInput(f"{user.display_name}已担任该职责。", field_errors={"user": "重复"}) from exc
    chain.append(
        jurisdiction_id=grid.jurisdiction_id, kind="grid.duty_assigned", at=now, actor=actor, unit=grid.community,
        rule_id=DUTY_RULES[Duty.Kind(kind)],
        summary=f"{user.display_name}任网格 {grid.code} {Duty.Kind(kind).label}（{Duty.Scope(scope).label}）",
        after={"user": user.pk, "kind": kind, "scope": scope, "full_time": full_time},
        data=_unit_data(grid, grid.community),
    )
    return duty


@transaction.atomic
def do_remove_duty(*, actor: User, duty: Duty, now: dt.datetime | None = None) -> None:
    now = _now(now)
    grid = duty.grid
    _require_manager(actor, grid.community)
    before = {"user": duty.user_id, "kind": duty.kind, "scope": duty.scope}
    summary = f"解除{duty.user.display_name}在网格 {grid.code} 的{duty.get_kind_display()}职责"
    duty.delete()
    chain.append(
        jurisdiction_id=grid.jurisdiction_id, kind="grid.duty_removed", at=now, actor=actor, unit=grid.community,
        rule_id=DUTY_RULES[Duty.Kind(before["kind"])], summary=summary, before=before,
        data=_unit_data(grid, grid.community),
    )


# ---- patrols and the log ---------------------------------------------------------------------------------


def _coords(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    if lon is None or lat is None:
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("定位坐标无效。", field_errors={"location": "坐标超出范围"})
    return lon, lat


@transaction.atomic
def do_check_in(*, actor: User, grid: Grid, lon: float | None = None, lat: float | None = None,
                now: dt.datetime | None = None) -> Patrol:
    """签到 (S2a-二(六)): only someone holding a duty in the grid; one open patrol per person."""
    now = _now(now)
    if not Duty.objects.filter(grid=grid, user=actor).exists():
        raise PermissionDenied("您不是该网格的工作人员，不能签到。")
    lon, lat = _coords(lon, lat)
    if Patrol.objects.filter(user=actor, ended_at__isnull=True).exists():
        raise StateConflict("您有一次巡查尚未签退，请先签退。")
    inside = None
    if lon is not None and lat is not None:
        loc = topo.locate(lon, lat, {grid.code: topo.parse_geometry(grid.geometry)})
        inside = loc.grid == grid.code and loc.rule != "nearest"
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(jurisdiction_id=grid.jurisdiction_id, grid=grid, user=actor,
                                           started_at=now, start_lon=lon, start_lat=lat, start_in_grid=inside)
    except IntegrityError as exc:
        raise StateConflict("您有一次巡查尚未签退，请先签退。") from exc
    chain.append(
        jurisdiction_id=grid.jurisdiction_id, kind="grid.patrol_in", at=now, actor=actor, unit=grid.community,
        rule_id="S2a-二(六)", summary=f"网格 {grid.code} 巡查签到" + ("（定位在网格外）" if inside is False else ""),
        data={**_unit_data(grid, grid.community), "patrol": patrol.pk, "lon": lon, "lat": lat, "in_grid": inside},
    )
    return patrol


@transaction.atomic
def do_check_out(*, actor: User, lon: float | None = None, lat: float | None = None, note: str = "",
                 now: dt.datetime | None = None) -> Patrol:
    now = _now(now)
    lon, lat = _coords(lon, lat)
    patrol = Patrol.objects.select_for_update().filter(user=actor, ended_at__isnull=True).first()
    if patrol is None:
        raise StateConflict("您没有进行中的巡查。")
    if now < patrol.started_at:
        raise InvalidInput("签退时间早于签到时间。")
    changed = Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(
        ended_at=now, end_lon=lon, end_lat=lat, note=note.strip()[:200])
    if changed != 1:
        raise StateConflict("该巡查已签退。")
    patrol.refresh_from_db()
    chain.append(
        jurisdiction_id=patrol.jurisdiction_id, kind="grid.patrol_out", at=now, actor=actor,
        unit=patrol.grid.community, rule_id="S2a-二(六)",
        summary=f"网格 {patrol.grid.code} 巡查签退（{patrol.minutes} 分钟）",
        data={**_unit_data(patrol.grid, patrol.grid.community), "patrol": patrol.pk, "minutes": patrol.minutes,
              "day": _local(patrol.started_at).date().isoformat(), "lon": lon, "lat": lat},
    )
    return patrol


@transaction.atomic
def do_add_log(*, actor: User, grid: Grid, kind: str, text: str, households: int = 0,
               issue_types: list[str] | None = None, now: dt.datetime | None = None) -> LogEntry:
    """民情日志 (S2a-二(五), 二(六)): written by the grid's own staff."""
    now = _now(now)
    if not Duty.objects.filter(grid=grid, user=actor).exists():
        raise PermissionDenied("您不是该网格的工作人员，不能填写民情日志。")
    errors = {}
    if kind not in LogEntry.Kind.values:
        errors["kind"] = "请选择类型。"
    if not (text or "").strip():
        errors["text"] = "请填写情况记录。"
    if households < 0:
        errors["households"] = "户数不能为负数。"
    bad = [t for t in issue_types or [] if t not in SERVICES]
    if bad:
        errors["issue_types"] = f"问题类型无效：{'、'.join(bad)}"
    if errors:
        raise InvalidInput("民情日志有误。", field_errors=errors)
    entry = LogEntry.objects.create(jurisdiction_id=grid.jurisdiction_id, grid=grid, author=actor, at=now,
                                    kind=kind, households=households, text=text.strip(),
                                    issue_types=list(issue_types or []))
    chain.append(
        jurisdiction_id=grid.jurisdiction_id, kind="grid.log", at=now, actor=actor, unit=grid.community,
        rule_id="S2a-二(五)", summary=f"网格 {grid.code} 民情日志：{entry.get_kind_display()}",
        data={**_unit_data(grid, grid.community), "entry": entry.pk, "log_kind": kind, "households": households,
              "issue_types": entry.issue_types},
    )
    return entry


# ---- residents' issues -------------------------------------------------------------------------------------


def route(jurisdiction_id: int, lon: float, lat: float) -> tuple[Grid | None, Unit | None, topo.Location]:
    """The grid of a point by the rule of ``core.grid_topology.locate`` (shared edge → smallest code)."""
    pad = topo.DEFAULT_TOLERANCE.snap_m / 80_000  # degrees, generous: ≥ snap distance at any latitude < 70°
    grids = list(
        Grid.objects.filter(jurisdiction_id=jurisdiction_id, active=True, min_lon__lte=lon + pad,
                            max_lon__gte=lon - pad, min_lat__lte=lat + pad, max_lat__gte=lat - pad)
        .select_related("community")
    )
    # The same code may exist in two communities: route on "community code / grid code" keys.
    by_key = {f"{g.community.code}/{g.code}": g for g in grids}
    loc = topo.locate(lon, lat, {k: topo.parse_geometry(g.geometry) for k, g in by_key.items()})
    if loc.grid is not None:
        grid = by_key[loc.grid]
        shown = replace(loc, grid=grid.code, candidates=tuple(by_key[k].code for k in loc.candidates))
        return grid, grid.community, shown
    for boundary in CommunityBoundary.objects.filter(jurisdiction_id=jurisdiction_id).select_related("community"):
        if topo.locate(lon, lat, {"b": topo.parse_geometry(boundary.geometry)}).rule == "inside":
            return None, boundary.community, loc
    return None, None, loc


def _classify_due_at(concern: Concern) -> dt.datetime:
    day = concern.classify_due
    return timezone.make_aware(dt.datetime.combine(day, DEFAULT_TIERS.day_end))


def _deadline_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def _next_due(concern: Concern, now: dt.datetime) -> dt.datetime | None:
    if concern.state == Concern.State.RECEIVED:
        due = _classify_due_at(concern)
    elif concern.state == Concern.State.IN_HAND and concern.deadline is not None:
        due = _deadline_at(concern.deadline)
    else:
        return None
    return due


def _managers(community: Unit | None) -> list[User]:
    if community is None:
        return []
    return list(User.objects.filter(unit=community, is_active=True, role_grants__role__in=list(UNIT_ROLES)).distinct())


@dataclass(frozen=True)
class Intake:
    service_code: str
    description: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if self.service_code not in SERVICES:
            errors["service_code"] = "请选择问题类别。"
        if not self.description.strip():
            errors["description"] = "请描述问题。"
        elif len(self.description) > 2000:
            errors["description"] = "问题描述不超过 2000 字。"
        if (self.lon is None) != (self.lat is None):
            errors["location"] = "经度和纬度须同时填写。"
        elif self.lon is not None and self.lat is not None and not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            errors["location"] = "坐标无效（WGS84 经度、纬度）。"
        if self.lon is None and not self.address.strip():
            errors["location"] = "请在地图上选点或填写地址。"
        if len(self.phone) > 32 or (self.phone and not all(c.isdigit() or c in "+- " for c in self.phone)):
            errors["phone"] = "电话号码格式有误。"
        if errors:
            raise InvalidInput("诉求信息有误。", field_errors=errors)


@transaction.atomic
def do_intake(*, jurisdiction_id: int, source: str, intake: Intake, actor: User | None = None,
              now: dt.datetime | None = None) -> Concern:
    """A resident's issue arrives (staff, public page or Open311) and is routed to its grid by location."""
    now = _now(now)
    if source not in Concern.Source.values:
        raise InvalidInput("来源无效。")
    if source == Concern.Source.STAFF and (actor is None or actor.jurisdiction_id != jurisdiction_id):
        raise PermissionDenied(NO_PERMISSION)
    intake.validate()
    grid: Grid | None = None
    community: Unit | None = None
    note = "未提供位置，待社区或街道指定网格。"
    rule = "outside"
    if intake.lon is not None and intake.lat is not None:
        grid, community, loc = route(jurisdiction_id, intake.lon, intake.lat)
        rule, note = loc.rule, loc.explanation
    if grid is None and source == Concern.Source.STAFF and actor is not None:
        duty = Duty.objects.filter(user=actor).select_related("grid__community").first()
        if duty is not None and intake.lon is None:
            grid, community, rule, note = duty.grid, duty.grid.community, "reporter", "按上报网格员所在网格归属。"
    local = _local(now)
    year = local.year
    number = f"民〔{year}〕{next_number(jurisdiction_id, 'grid_concern', year)}号"
    concern = Concern.objects.create(
        jurisdiction_id=jurisdiction_id, number=number, token=secrets.token_urlsafe(18), source=source,
        service_code=intake.service_code, description=intake.description.strip(), lon=intake.lon, lat=intake.lat,
        address=intake.address.strip()[:200], reporter_name=intake.name.strip()[:60],
        reporter_phone=intake.phone.strip(), reporter_email=intake.email.strip()[:120], grid=grid,
        community=community, route_rule=rule, route_note=note[:200], reported_by=actor, received_at=now,
        classify_due=classification_due(local, current_calendar(jurisdiction_id)),
    )
    concern.next_due_at = _next_due(concern, now)
    concern.save(update_fields=["next_due_at"])
    chain.append(
        jurisdiction_id=jurisdiction_id, kind="grid.concern_received", at=now, actor=actor, unit=community,
        rule_id=topo.ROUTE_RULE,
        summary=f"受理诉求 {number}（{SERVICES[intake.service_code]}，{concern.get_source_display()}）",
        after={"state": concern.state, "grid": grid.code if grid else ""},
        data={**_unit_data(grid, community), "concern": concern.pk, "source": source,
              "service_code": intake.service_code, "route_rule": rule},
    )
    recipients = [d.user for d in Duty.objects.filter(grid=grid).select_related("user")] if grid else []
    notify(recipients + _managers(community), kind="grid.concern",
           title=f"新诉求 {number}：{SERVICES[intake.service_code]}",
           body=note, url=f"/grid/concerns/{concern.pk}/", dedupe_key=f"grid-concern-{concern.pk}-received", now=now)
    return concern


def _lock(concern: Concern, version: int | None) -> Concern:
    fresh = Concern.objects.select_for_update(of=("self",)).select_related("community", "grid").get(pk=concern.pk)
    if version is not None and fresh.version != version:
        raise StateConflict(STALE)
    return fresh


def _save(concern: Concern, now: dt.datetime, *fields: str) -> None:
    concern.version += 1
    concern.next_due_at = _next_due(concern, now)
    concern.save(update_fields=[*fields, "version", "next_due_at"])


def _check_handler(concern: Concern, handler: User) -> None:
    community = concern.community
    ok = handler.jurisdiction_id == concern.jurisdiction_id and handler.is_active
    if ok and community is not None:
        scope = community.parent.path if (concern.tier == Tier.SUBDISTRICT and community.parent) else community.path
        in_unit = handler.unit is not None and handler.unit.path.startswith(scope)
        on_grid = concern.grid_id is not None and Duty.objects.filter(grid_id=concern.grid_id, user=handler).exists()
        ok = in_unit or on_grid
    if not ok:
        raise InvalidInput("承办人须为本社区（或所属街道）的工作人员。", field_errors={"handler": "承办人无效"})


def _require_handles(actor: User, concern: Concern) -> None:
    if not access.can_see_concern(actor, concern):
        raise ItemNotFound(NOT_FOUND)
    if concern.community is None:
        if not access.is_office(actor):
            raise PermissionDenied(NO_PERMISSION)
    elif not access.manages(actor, concern.community):
        raise PermissionDenied(NO_PERMISSION)


@transaction.atomic
def do_assign_grid(*, actor: User, concern: Concern, grid: Grid, version: int | None = None,
                   now: dt.datetime | None = None) -> Concern:
    """Assign (or reassign) a case to a grid by hand: outside all grids, or a shared-edge choice."""
    now = _now(now)
    concern = _lock(concern, version)
    if not access.can_see_concern(actor, concern) or not access.manages(actor, grid.community):
        raise PermissionDenied(NO_PERMISSION)
    if concern.state not in (Concern.State.RECEIVED, Concern.State.IN_HAND):
        raise StateConflict("诉求已办结，不能改派网格。")
    before = {"grid": concern.grid.code if concern.grid else ""}
    concern.grid, concern.community = grid, grid.community
    concern.route_rule, concern.route_note = "manual", f"由{actor.display_name}指定网格 {grid.code}。"
    _save(concern, now, "grid", "community", "route_rule", "route_note")
    chain.append(
        jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_reassigned", at=now, actor=actor,
        unit=grid.community, rule_id=topo.ROUTE_RULE, summary=f"诉求 {concern.number} 指定网格 {grid.code}",
        before=before, after={"grid": grid.code}, data={**_unit_data(grid, grid.community), "concern": concern.pk},
    )
    return concern


@transaction.atomic
def do_classify(*, actor: User, concern: Concern, tier: str, category: str, handler: User,
                version: int | None = None, now: dt.datetime | None = None) -> Concern:
    """The community's daily analysis meeting (当日清): classify, pick the tier, name the handler
    (S2a-二(五)). The deadline follows the tier in working days."""
    now = _now(now)
    concern = _lock(concern, version)
    _require_handles(actor, concern)
    if concern.state != Concern.State.RECEIVED:
        raise StateConflict("该诉求已研判。")
    if concern.community is None:
        raise InvalidInput("请先为诉求指定网格。", field_errors={"grid": "未指定网格"})
    try:
        t = Tier(tier)
    except ValueError as exc:
        raise InvalidInput("请选择回应层级。", field_errors={"tier": "请选择"}) from exc
    if not (category or "").strip():
        raise InvalidInput("请填写分类。", field_errors={"category": "请填写"})
    concern.tier = t.value
    _check_handler(concern, handler)
    local = _local(now)
    deadline = response_deadline(t, local.date(), current_calendar(concern.jurisdiction_id))
    concern.category, concern.handler, concern.classified_at = category.strip()[:60], handler, now
    concern.deadline, concern.deadline_provisional = deadline.date, deadline.provisional
    concern.state = Concern.State.IN_HAND
    if t == Tier.SUBDISTRICT:
        concern.escalated_at = now
    _save(concern, now, "tier", "category", "handler", "classified_at", "deadline", "deadline_provisional",
          "state", "escalated_at")
    response = int((now - concern.received_at).total_seconds() // 60)
    on_time = local.date() <= concern.classify_due
    chain.append(
        jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_classified", at=now, actor=actor,
        unit=concern.community, rule_id=TIER_RULE,
        summary=f"研判诉求 {concern.number}：{TIER_LABELS[t]}，承办人{handler.display_name}，时限 {deadline.date}",
        before={"state": Concern.State.RECEIVED}, after={"state": concern.state, "tier": t.value,
                                                         "deadline": deadline.date.isoformat()},
        data={**_unit_data(concern.grid, concern.community), "concern": concern.pk, "tier": t.value,
              "handler": handler.pk, "response_minutes": response, "classified_same_day": on_time},
    )
    notify([handler], kind="grid.concern", title=f"请办理诉求 {concern.number}（{TIER_LABELS[t]}）",
           body=f"办理时限：{deadline.date}", url=f"/grid/concerns/{concern.pk}/",
           dedupe_key=f"grid-concern-{concern.pk}-handler-{handler.pk}-{concern.version}", now=now)
    return concern


@transaction.atomic
def do_escalate(*, actor: User, concern: Concern, reason: str, handler: User | None = None,
                version: int | None = None, now: dt.datetime | None = None) -> Concern:
    """Up to the sub-district (S2a-二(五)): widespread or trend issues; a new deadline for that tier."""
    now = _now(now)
    concern = _lock(concern, version)
    _require_handles(actor, concern)
    if concern.state != Concern.State.IN_HAND or concern.tier == Tier.SUBDISTRICT:
        raise StateConflict("只有社区办理中的诉求可以提交街道协调。")
    if not (reason or "").strip():
        raise InvalidInput("请填写提交街道的理由。", field_errors={"reason": "请填写"})
    before = {"tier": concern.tier, "handler": concern.handler_id}
    concern.tier = Tier.SUBDISTRICT.value
    if handler is not None:
        _check_handler(concern, handler)
        concern.handler = handler
    deadline = response_deadline(Tier.SUBDISTRICT, _local(now).date(), current_calendar(concern.jurisdiction_id))
    concern.deadline, concern.deadline_provisional, concern.escalated_at = deadline.date, deadline.provisional, now
    _save(concern, now, "tier", "handler", "deadline", "deadline_provisional", "escalated_at")
    chain.append(
        jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_escalated", at=now, actor=actor,
        unit=concern.community, rule_id=TIER_RULE, reason=reason.strip(),
        summary=f"诉求 {concern.number} 提交街道协调解决，时限 {deadline.date}", before=before,
        after={"tier": concern.tier, "handler": concern.handler_id, "deadline": deadline.date.isoformat()},
        data={**_unit_data(concern.grid, concern.community), "concern": concern.pk},
    )
    parent = concern.community.parent if concern.community else None
    notify(_managers(parent) + ([concern.handler] if concern.handler else []), kind="grid.concern",
           title=f"诉求 {concern.number} 提交街道协调", body=reason, url=f"/grid/concerns/{concern.pk}/",
           dedupe_key=f"grid-concern-{concern.pk}-escalated", now=now)
    return concern


@transaction.atomic
def do_to_item(*, actor: User, concern: Concern, reason: str, level: str = "generally",
               now: dt.datetime | None = None) -> Concern:
    """Register a supervision item for a case that needs it (S0-7(二) 群众关注热点难点); the item's
    registration goes through ``items.services.do_register`` (office only). Linked both ways: the case's
    ``item`` FK, and the item's source detail names the case. No personal data goes into the item."""
    from duban.items.services import do_register

    now = _now(now)
    concern = _lock(concern, None)
    if not access.is_office(actor):
        raise PermissionDenied("只有督查室可以将诉求转为督查事项。")
    if concern.item_id is not None:
        raise StateConflict(f"该诉求已转为督查事项 {concern.item.code}。")  # type: ignore[union-attr]
    if concern.state == Concern.State.CLOSED:
        raise StateConflict("诉求已评价结束。")
    if not (reason or "").strip():
        raise InvalidInput("请填写转督查事项的理由。", field_errors={"reason": "请填写"})
    place = concern.grid.name if concern.grid else (concern.community.name if concern.community else "")
    item = do_register(
        actor=actor, title=f"居民诉求：{SERVICES[concern.service_code]}（{place}）"[:200],
        content=f"{concern.description}\n\n转办理由：{reason.strip()}", source="public_concern", level=level,
        source_detail=f"居民诉求 {concern.number}", now=now,
    )
    concern.item = item
    _save(concern, now, "item")
    chain.append(
        jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_to_item", at=now, actor=actor, item=item,
        unit=concern.community, rule_id="S0-7(二)", reason=reason.strip(),
        summary=f"诉求 {concern.number} 转督查事项 {item.code}", after={"item": item.pk},
        data={**_unit_data(concern.grid, concern.community), "concern": concern.pk, "item": item.pk},
    )
    return concern


@transaction.atomic
def do_resolve(*, actor: User, concern: Concern, result: str, version: int | None = None,
               now: dt.datetime | None = None) -> Concern:
    """办结: the result goes back to the resident, who then gives feedback (S2a-二(五))."""
    now = _now(now)
    concern = _lock(concern, version)
    if not access.can_see_concern(actor, concern):
        raise ItemNotFound(NOT_FOUND)
    if concern.handler_id != actor.pk and not (concern.community and access.manages(actor, concern.community)):
        raise PermissionDenied(NO_PERMISSION)
    if concern.state != Concern.State.IN_HAND:
        raise StateConflict("只有办理中的诉求可以办结。")
    if not (result or "").strip():
        raise InvalidInput("请填写办理结果。", field_errors={"result": "请填写"})
    concern.state, concern.result, concern.resolved_at = Concern.State.RESOLVED, result.strip(), now
    _save(concern, now, "state", "result", "resolved_at")
    on_time = concern.deadline is None or _local(now).date() <= concern.deadline
    chain.append(
        jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_resolved", at=now, actor=actor,
        unit=concern.community, rule_id=TIER_RULE,
        summary=f"诉求 {concern.number} 办结" + ("" if on_time else "（逾期）"),
        before={"state": Concern.State.IN_HAND}, after={"state": concern.state},
        data={**_unit_data(concern.grid, concern.community), "concern": concern.pk, "tier": concern.tier,
              "handler": concern.handler_id, "on_time": on_time,
              "resolve_minutes": int((now - concern.received_at).total_seconds() // 60)},
    )
    return concern


@transaction.atomic
def do_feedback(*, token: str, satisfaction: int, text: str = "", now: dt.datetime | None = None) -> Concern:
    """The resident's feedback and satisfaction (1–5), by the case's token (S2a-二(五))."""
    now = _now(now)
    found = Concern.objects.filter(token=token).first()
    if found is None or not token:
        raise ItemNotFound("查询码无效。")
    concern = _lock(found, None)
    if concern.state != Concern.State.RESOLVED:
        raise StateConflict("诉求办结后才能评价。" if concern.state != Concern.State.CLOSED else "您已评价过。")
    if satisfaction not in (1, 2, 3, 4, 5):
        raise InvalidInput("请选择满意度（1–5）。", field_errors={"satisfaction": "请选择"})
    concern.state, concern.satisfaction, concern.feedback, concern.feedback_at = (
        Concern.State.CLOSED, satisfaction, (text or "").strip()[:1000], now)
    _save(concern, now, "state", "satisfaction", "feedback", "feedback_at")
    chain.append(
        jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_feedback", at=now, actor=None,
        unit=concern.community, rule_id=TIER_RULE, summary=f"居民评价诉求 {concern.number}：满意度 {satisfaction}",
        before={"state": Concern.State.RESOLVED}, after={"state": concern.state},
        data={**_unit_data(concern.grid, concern.community), "concern": concern.pk, "satisfaction": satisfaction,
              "handler": concern.handler_id},
    )
    if concern.handler is not None:
        notify([concern.handler], kind="grid.concern",
               title=f"居民已评价诉求 {concern.number}（满意度 {satisfaction}）",
               body=concern.feedback, url=f"/grid/concerns/{concern.pk}/",
               dedupe_key=f"grid-concern-{concern.pk}-feedback", now=now)
    return concern


# ---- the sweep: deadlines urged like items -------------------------------------------------------------------


@dataclass
class SweepResult:
    examined: int = 0
    urged: int = 0


def sweep(now: dt.datetime | None = None, *, limit: int = 500) -> SweepResult:
    """Urge the cases whose classification (当日清) or response deadline has passed: one ``ConcernUrge``
    per case, trigger and day (unique constraint), claimed by compare-and-set on ``next_due_at`` so several
    sweepers at once never issue one twice. Reads due cases by the partial index on ``next_due_at``."""
    now = _now(now)
    result = SweepResult()
    due = list(Concern.objects.filter(next_due_at__lte=now).order_by("next_due_at")
               .values_list("pk", "next_due_at")[:limit])
    for pk, old_due in due:
        result.examined += 1
        with transaction.atomic():
            tomorrow = timezone.make_aware(dt.datetime.combine(_local(now).date() + dt.timedelta(days=1), dt.time(8)))
            if Concern.objects.filter(pk=pk, next_due_at=old_due).update(next_due_at=tomorrow) != 1:
                continue  # another sweeper (or an action) got there first
            concern = Concern.objects.select_related("community", "grid", "handler").get(pk=pk)
            if concern.state == Concern.State.RECEIVED:
                trigger, late = "classify", f"未在 {concern.classify_due} 前完成研判（当日清）"
                recipients = _managers(concern.community)
            elif concern.state == Concern.State.IN_HAND:
                trigger, late = "resolve", f"已超过办理时限 {concern.deadline}"
                recipients = [concern.handler] if concern.handler else []
                if concern.tier == Tier.SUBDISTRICT and concern.community is not None:
                    recipients += _managers(concern.community.parent)
            else:
                Concern.objects.filter(pk=pk).update(next_due_at=None)
                continue
            text = f"诉求 {concern.number} {late}，请抓紧办理（S2a-二(五)）。"
            day = _local(now).date()
            try:
                with transaction.atomic():
                    ConcernUrge.objects.create(jurisdiction_id=concern.jurisdiction_id, concern=concern,
                                               trigger=trigger, on_day=day,
                                               recipient=recipients[0] if recipients else None, text=text,
                                               created_at=now)
            except IntegrityError:
                continue
            chain.append(
                jurisdiction_id=concern.jurisdiction_id, kind="grid.concern_urged", at=now, actor=None,
                unit=concern.community, rule_id=TIER_RULE, summary=text,
                data={**_unit_data(concern.grid, concern.community), "concern": concern.pk, "trigger": trigger,
                      "day": day.isoformat(), "handler": concern.handler_id},
            )
            notify(recipients, kind="grid.urge", title=text, url=f"/grid/concerns/{concern.pk}/",
                   dedupe_key=f"grid-urge-{concern.pk}-{trigger}-{day}", now=now)
            result.urged += 1
    return result


# ---- the sub-district's weekly review of hard cases (S2a-二(五)) ------------------------------------------

REVIEW_RULE = "S2a-二(五)"


def _require_subdistrict(actor: User, subdistrict: Unit) -> None:
    if subdistrict.kind not in (Unit.Kind.SUBDISTRICT, Unit.Kind.TOWN):
        raise InvalidInput("每周研判由街道（乡镇）进行。", field_errors={"subdistrict": "不是街道或乡镇"})
    if not access.manages(actor, subdistrict):
        raise PermissionDenied("只有本街道（乡镇）或督查室人员可以记录每周研判。")


@transaction.atomic
def do_record_weekly_review(*, actor: User, subdistrict: Unit, held_on: dt.date, attendees: str, summary: str,
                            concerns: list[Concern], now: dt.datetime | None = None) -> WeeklyReview:
    """Record the week's analysis meeting: who took part, what was decided for each hard case; the cases
    discussed must be those of the sub-district's communities. One record a week (a second is refused)."""
    now = _now(now)
    _require_subdistrict(actor, subdistrict)
    today = _local(now).date()
    errors: dict[str, str] = {}
    if held_on > today:
        errors["held_on"] = "研判日期不能晚于今天"
    if not (attendees or "").strip():
        errors["attendees"] = "请填写参加人员"
    if not (summary or "").strip():
        errors["summary"] = "请填写研判情况和分类处置意见"
    foreign = [c.number for c in concerns
               if c.community is None or not c.community.path.startswith(subdistrict.path)]
    if foreign:
        errors["concerns"] = "不属于本街道（乡镇）的诉求：" + "、".join(foreign)
    if errors:
        raise InvalidInput("每周研判记录不完整：" + "；".join(errors.values()), field_errors=errors)
    monday = week_start(held_on)
    try:
        with transaction.atomic():
            review = WeeklyReview.objects.create(
                jurisdiction_id=subdistrict.jurisdiction_id, subdistrict=subdistrict, week_start=monday,
                held_on=held_on, chair=actor, attendees=attendees.strip(), summary=summary.strip(), recorded_at=now)
    except IntegrityError:
        raise StateConflict(f"{subdistrict.name} {monday:%Y-%m-%d} 这一周的研判已记录。") from None
    review.concerns.set(concerns)
    chain.append(
        jurisdiction_id=subdistrict.jurisdiction_id, kind="grid.weekly_review", at=now, actor=actor,
        unit=subdistrict, rule_id=REVIEW_RULE,
        summary=f"{subdistrict.name} 每周疑难问题研判（{monday:%Y-%m-%d} 当周），研判诉求 {len(concerns)} 件",
        after={"held_on": held_on.isoformat(), "concerns": [c.number for c in concerns]},
        data={"review": review.pk, "week_start": monday.isoformat(), "concerns": [c.pk for c in concerns]},
    )
    return review
