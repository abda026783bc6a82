"""Grid polygons against the community boundary: no gap, no overlap, no sliver (S2a-二(一)).

S2a-二(一): 网格划分要横向到边、纵向到底，不留空白区域，不得交叉重叠 — the grids of a community must cover
its boundary exactly. This module checks that, and says *where* it fails: each gap, overlap, sliver or
part outside the boundary comes back as a ``Problem`` with its area in m², its mean width in m, its
centre in WGS84 (longitude, latitude), its bounding box and the grids concerned.

Input is GeoJSON geometry in WGS84 (``[longitude, latitude]``, RFC 7946). The check runs in a local
equirectangular projection centred on the boundary (metres; error well under 0.1 % across a community of
a few km), so every tolerance below is stated in metres, not in degrees:

* ``noise_width_m`` (default 0.05 m): a difference thinner than 5 cm on average is float noise from
  digitising or rounding (two grids that share an edge, drawn separately) and is not reported;
* ``sliver_width_m`` (default 1.0 m): a gap or overlap thinner than 1 m on average is a *sliver* — almost
  always a badly snapped shared edge, reported with its own kind so the user knows to snap, not redraw;
* ``edge_m`` (default 0.5 m): a point within 0.5 m of a grid's edge is "on the edge" (routing, below);
* ``draw_snap_m`` (default 5 m): a grid drawn in the browser has its vertices snapped to the vertices,
  then the edges, of the boundary and the neighbouring grids within 5 m (two or three pixels at the
  zoom that shows a whole community) before it is checked (``snap_to``); an import is checked as it
  is, never moved.

The mean width of a piece is 2·area / perimeter (exact for a long thin strip).

Routing a point to a grid (``locate``) follows one stated rule (S2a-二(三) 定人、定位、定责):
1. inside exactly one grid and farther than ``edge_m`` from every other grid → that grid (``inside``);
2. on a shared edge or vertex (within ``edge_m`` of several grids) → the candidate with the smallest grid
   code (``shared_edge``); all candidates are returned so the community can reassign it;
3. in no grid but within ``snap_m`` (default 30 m) of one → the nearest grid (``nearest``);
4. otherwise → no grid (``outside``): the case waits in the community's (or sub-district's) queue for a
   person to assign it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.validation import explain_validity

RULE = "S2a-二(一)"
ROUTE_RULE = "S2a-二(三)"

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


class GeometryError(ValueError):
    """A geometry or GeoJSON document that cannot be used; the message is Chinese, shown as is."""


@dataclass(frozen=True)
class Tolerance:
    noise_width_m: float = 0.05
    sliver_width_m: float = 1.0
    edge_m: float = 0.5
    snap_m: float = 30.0
    draw_snap_m: float = 5.0

    def describe(self) -> str:
        return (
            f"容差：平均宽度小于 {self.noise_width_m:g} 米的差异视为坐标误差忽略；"
            f"小于 {self.sliver_width_m:g} 米的缝隙或重叠为细碎条带；"
            f"距边界 {self.edge_m:g} 米以内的点视为在边界上。"
        )


DEFAULT_TOLERANCE = Tolerance()


class Projection:
    """WGS84 degrees ⇄ local metres (equirectangular, centred on ``origin``)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self.kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
        self.ky = M_PER_DEG_LAT

    def _fwd(self, coords: Any) -> Any:
        return (coords - (self.lon0, self.lat0)) * (self.kx, self.ky)

    def _back(self, coords: Any) -> Any:
        return coords / (self.kx, self.ky) + (self.lon0, self.lat0)

    def to_m(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, self._fwd)

    def to_deg(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, self._back)

    def point_deg(self, x: float, y: float) -> tuple[float, float]:
        return (round(x / self.kx + self.lon0, 7), round(y / self.ky + self.lat0, 7))

    @classmethod
    def around(cls, geom: BaseGeometry) -> Projection:
        c = geom.centroid
        return cls(float(c.x), float(c.y))


# ---- parsing ------------------------------------------------------------------------------------------


def _check_positions(coords: Any, where: str) -> None:
    if not isinstance(coords, list | tuple) or not coords:
        raise GeometryError(f"{where}：坐标为空或格式错误。")
    for ring_no, ring in enumerate(coords, start=1):
        if not isinstance(ring, list | tuple) or len(ring) < 4:
            raise GeometryError(f"{where}：第 {ring_no} 个环少于 4 个点（多边形至少 3 个顶点并闭合）。")
        for pos in ring:
            if not isinstance(pos, list | tuple) or len(pos) < 2:
                raise GeometryError(f"{where}：坐标点格式错误（应为 [经度, 纬度]）。")
            lon, lat = pos[0], pos[1]
            if not isinstance(lon, int | float) or not isinstance(lat, int | float):
                raise GeometryError(f"{where}：坐标必须是数字。")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise GeometryError(
                    f"{where}：坐标 [{lon}, {lat}] 不是 WGS84 经纬度（经度 −180…180，纬度 −90…90）；"
                    "请以 WGS84（EPSG:4326）导出。"
                )
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise GeometryError(f"{where}：第 {ring_no} 个环未闭合（首尾坐标应相同）。")


def parse_geometry(geometry: Any, *, where: str = "几何图形") -> Polygon | MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon in WGS84, validated (closed rings, no self-intersection)."""
    if not isinstance(geometry, Mapping):
        raise GeometryError(f"{where}：缺少 geometry。")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        _check_positions(coords, where)
    elif kind == "MultiPolygon":
        if not isinstance(coords, list | tuple) or not coords:
            raise GeometryError(f"{where}：坐标为空。")
        for part in coords:
            _check_positions(part, where)
    else:
        raise GeometryError(f"{where}：几何类型为 {kind!r}，网格须为 Polygon 或 MultiPolygon。")
    geom = shape(dict(geometry))
    if not isinstance(geom, Polygon | MultiPolygon):  # pragma: no cover - shape() follows "type"
        raise GeometryError(f"{where}：不是多边形。")
    if not geom.is_valid:
        raise GeometryError(f"{where}：多边形无效（{_explain(geom)}），请检查边是否自相交。")
    if geom.area == 0:
        raise GeometryError(f"{where}：多边形面积为零。")
    return geom


def _explain(geom: BaseGeometry) -> str:
    text = explain_validity(geom)
    if text.startswith("Self-intersection"):
        return "边自相交，位置 " + text.split("[", 1)[-1].rstrip("]")
    if text.startswith("Ring Self-intersection"):
        return "环自相交，位置 " + text.split("[", 1)[-1].rstrip("]")
    return text


@dataclass(frozen=True)
class GridFeature:
    code: str
    name: str
    geometry: Polygon | MultiPolygon
    properties: Mapping[str, Any] = field(default_factory=dict)


_WGS84_CRS = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326", "epsg:4326"}


def parse_feature_collection(data: Any) -> list[GridFeature]:
    """A GeoJSON FeatureCollection of grids; each feature has ``properties.code`` (and ``name``).

    Every problem in the file is collected, then reported together (all-or-nothing import)."""
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise GeometryError("文件须为 GeoJSON FeatureCollection。")
    crs = data.get("crs")
    if isinstance(crs, Mapping):
        name = str((crs.get("properties") or {}).get("name", ""))
        if name and name not in _WGS84_CRS:
            raise GeometryError(f"坐标系为 {name}，请改用 WGS84（EPSG:4326 / CRS84）导出。")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise GeometryError("文件中没有任何网格（features 为空）。")
    result: list[GridFeature] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        props = props if isinstance(props, Mapping) else {}
        code = str(props.get("code") or "").strip()
        where = f"第 {n} 个要素" + (f"（网格 {code}）" if code else "")
        if not code:
            errors.append(f"{where}：缺少 properties.code（网格编号）。")
            continue
        if code in seen:
            errors.append(f"{where}：网格编号 {code} 重复。")
            continue
        seen.add(code)
        try:
            geom = parse_geometry(feature.get("geometry") if isinstance(feature, Mapping) else None, where=where)
        except GeometryError as exc:
            errors.append(str(exc))
            continue
        result.append(GridFeature(code, str(props.get("name") or code).strip(), geom, dict(props)))
    if errors:
        raise GeometryError("\n".join(errors))
    return result


# ---- the cover check ----------------------------------------------------------------------------------


KIND_LABELS = {
    "gap": "缝隙（未覆盖区域）",
    "overlap": "重叠",
    "sliver_gap": "细碎缝隙",
    "sliver_overlap": "细碎重叠",
    "outside": "超出社区边界",
    "sliver_grid": "细碎网格",
}


@dataclass(frozen=True)
class Problem:
    kind: str
    grids: tuple[str, ...]
    area_m2: float
    width_m: float
    centroid: tuple[float, float]  # (longitude, latitude), WGS84
    bbox: tuple[float, float, float, float]  # (min lon, min lat, max lon, max lat)
    geometry: Mapping[str, Any]  # the piece itself, GeoJSON WGS84 (drawn in red on the map)

    @property
    def message(self) -> str:
        where = f"位于 {self.centroid[0]:.6f}, {self.centroid[1]:.6f}"
        grids = "、".join(self.grids)
        size = f"面积 {self.area_m2:.1f} 平方米，平均宽度 {self.width_m:.2f} 米"
        if self.kind in ("overlap", "sliver_overlap"):
            return f"{KIND_LABELS[self.kind]}：网格 {grids} 相互重叠，{where}，{size}（{RULE}）。"
        if self.kind == "outside":
            return f"{KIND_LABELS[self.kind]}：网格 {grids} 有部分在社区边界之外，{where}，{size}（{RULE}）。"
        if self.kind == "sliver_grid":
            return f"{KIND_LABELS[self.kind]}：网格 {grids} 过于狭窄，{where}，{size}（{RULE}）。"
        near = f"，相邻网格 {grids}" if grids else ""
        return f"{KIND_LABELS[self.kind]}：{where}{near}，{size}，未划入任何网格（{RULE}）。"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "label": KIND_LABELS[self.kind], "grids": list(self.grids),
            "area_m2": round(self.area_m2, 2), "width_m": round(self.width_m, 3),
            "centroid": list(self.centroid), "bbox": list(self.bbox), "message": self.message,
            "geometry": dict(self.geometry),
        }


@dataclass(frozen=True)
class TopologyReport:
    problems: tuple[Problem, ...]
    tolerance: Tolerance
    boundary_area_m2: float
    covered_area_m2: float

    @property
    def ok(self) -> bool:
        return not self.problems

    def of_kind(self, *kinds: str) -> list[Problem]:
        return [p for p in self.problems if p.kind in kinds]

    def summary(self) -> str:
        if self.ok:
            return f"网格完整覆盖社区边界，无缝隙、无重叠（{RULE}）。{self.tolerance.describe()}"
        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.kind] = counts.get(p.kind, 0) + 1
        parts = "，".join(f"{KIND_LABELS[k]} {n} 处" for k, n in counts.items())
        return f"发现 {len(self.problems)} 处问题：{parts}（{RULE}）。{self.tolerance.describe()}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "summary": self.summary(), "rule_id": RULE,
            "tolerance": {"noise_width_m": self.tolerance.noise_width_m,
                          "sliver_width_m": self.tolerance.sliver_width_m, "edge_m": self.tolerance.edge_m},
            "boundary_area_m2": round(self.boundary_area_m2, 1), "covered_area_m2": round(self.covered_area_m2, 1),
            "problems": [p.as_dict() for p in self.problems],
        }


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    parts = getattr(geom, "geoms", ())
    out: list[Polygon] = []
    for part in parts:
        out.extend(_polygons(part))
    return out


def mean_width(poly: BaseGeometry) -> float:
    return 2 * float(poly.area) / float(poly.length) if poly.length else 0.0


def area_m2(geom: BaseGeometry) -> float:
    """Area in square metres of a WGS84 polygon."""
    return float(Projection.around(geom).to_m(geom).area)


def _problem(kind: str, piece: Polygon, grids: Iterable[str], proj: Projection) -> Problem:
    deg = proj.to_deg(piece)
    c = piece.representative_point() if not piece.centroid.within(piece) else piece.centroid
    minx, miny, maxx, maxy = deg.bounds
    return Problem(
        kind=kind, grids=tuple(sorted(grids)), area_m2=float(piece.area), width_m=mean_width(piece),
        centroid=proj.point_deg(float(c.x), float(c.y)),
        bbox=(round(minx, 7), round(miny, 7), round(maxx, 7), round(maxy, 7)),
        geometry=mapping(deg),
    )


def _shared_length(piece: Polygon, grid: BaseGeometry, tol: Tolerance) -> float:
    """Length of the piece's outline that runs along ``grid`` (touching at a vertex is not a neighbour)."""
    return float(piece.exterior.intersection(grid.buffer(tol.noise_width_m)).length)


def _classify(width: float, tol: Tolerance, sliver_kind: str, kind: str) -> str | None:
    if width < tol.noise_width_m:
        return None
    return sliver_kind if width < tol.sliver_width_m else kind


def check_cover(
    boundary: Polygon | MultiPolygon,
    grids: Mapping[str, Polygon | MultiPolygon],
    tolerance: Tolerance = DEFAULT_TOLERANCE,
) -> TopologyReport:
    """Every gap, overlap, sliver and outside part of ``grids`` (code → WGS84 polygon) over ``boundary``."""
    proj = Projection.around(boundary)
    b = proj.to_m(boundary)
    codes = sorted(grids)
    g = [proj.to_m(grids[code]) for code in codes]
    problems: list[Problem] = []

    for code, geom in zip(codes, g, strict=True):
        if mean_width(geom) < tolerance.sliver_width_m:
            problems.extend(_problem("sliver_grid", p, [code], proj) for p in _polygons(geom))

    tree = STRtree(g)
    for i, gi in enumerate(g):
        for j in tree.query(gi, predicate="intersects"):
            j = int(j)
            if j <= i:
                continue
            for piece in _polygons(gi.intersection(g[j])):
                kind = _classify(mean_width(piece), tolerance, "sliver_overlap", "overlap")
                if kind:
                    problems.append(_problem(kind, piece, [codes[i], codes[j]], proj))

    union = unary_union(g) if g else Polygon()
    for piece in _polygons(b.difference(union)):
        kind = _classify(mean_width(piece), tolerance, "sliver_gap", "gap")
        if kind:
            near = [codes[int(k)] for k in tree.query(piece, predicate="dwithin", distance=tolerance.noise_width_m)
                    if _shared_length(piece, g[int(k)], tolerance) > tolerance.sliver_width_m]
            problems.append(_problem(kind, piece, near, proj))

    for code, geom in zip(codes, g, strict=True):
        for piece in _polygons(geom.difference(b)):
            if _classify(mean_width(piece), tolerance, "outside", "outside"):
                problems.append(_problem("outside", piece, [code], proj))

    order = {"gap": 0, "sliver_gap": 1, "overlap": 2, "sliver_overlap": 3, "outside": 4, "sliver_grid": 5}
    problems.sort(key=lambda p: (order[p.kind], p.grids, -p.area_m2))
    return TopologyReport(
        problems=tuple(problems), tolerance=tolerance, boundary_area_m2=float(b.area),
        covered_area_m2=float(union.intersection(b).area),
    )


# ---- routing a point ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    grid: str | None
    rule: str  # inside | shared_edge | nearest | outside
    candidates: tuple[str, ...] = ()
    distance_m: float = 0.0

    @property
    def explanation(self) -> str:
        if self.rule == "inside":
            return f"位于网格 {self.grid} 内（{ROUTE_RULE}）。"
        if self.rule == "shared_edge":
            return (f"位于网格 {'、'.join(self.candidates)} 的共同边界上，按规则归入编号最小的网格 "
                    f"{self.grid}，社区可改派（{ROUTE_RULE}）。")
        if self.rule == "nearest":
            return f"不在任何网格内，距网格 {self.grid} {self.distance_m:.0f} 米，归入最近网格（{ROUTE_RULE}）。"
        return f"不在任何网格内，也不在网格附近，待社区或街道指定网格（{ROUTE_RULE}）。"


def locate(
    lon: float,
    lat: float,
    grids: Mapping[str, Polygon | MultiPolygon],
    tolerance: Tolerance = DEFAULT_TOLERANCE,
) -> Location:
    """The grid a point (WGS84) belongs to, by the rule in the module docstring."""
    if not grids:
        return Location(None, "outside")
    proj = Projection(lon, lat)
    point = proj.to_m(Point(lon, lat))
    codes = sorted(grids)
    distances: list[tuple[float, str]] = []
    for code in codes:
        geom = proj.to_m(grids[code])
        d = float(geom.distance(point))
        distances.append((d, code))
    near = sorted(code for d, code in distances if d <= tolerance.edge_m)
    if len(near) > 1:
        return Location(near[0], "shared_edge", tuple(near))
    if near:
        return Location(near[0], "inside", tuple(near))
    d, code = min(distances)
    if d <= tolerance.snap_m:
        return Location(code, "nearest", (code,), d)
    return Location(None, "outside", (), d)


def snap_to(geom: Polygon | MultiPolygon, others: Sequence[BaseGeometry],
            tolerance_m: float = DEFAULT_TOLERANCE.draw_snap_m) -> Polygon | MultiPolygon:
    """``geom`` with its vertices moved onto the vertices and edges of ``others`` lying within
    ``tolerance_m`` metres (a drawn grid meets its neighbours exactly); unchanged if snapping would make
    it invalid."""
    if not others:
        return geom
    proj = Projection.around(geom)
    lines = [proj.to_m(o).boundary for o in others]
    vertices = shapely.extract_unique_points(shapely.union_all(lines))
    # Vertices first (a drawn corner lands on the neighbour's corner, not beside it on an edge), then edges.
    step = shapely.snap(proj.to_m(geom), vertices, tolerance_m)
    snapped = proj.to_deg(shapely.snap(step, unary_union(lines), tolerance_m))
    if isinstance(snapped, Polygon | MultiPolygon) and snapped.is_valid and not snapped.is_empty:
        return snapped
    return geom


def bounds(geoms: Sequence[BaseGeometry]) -> tuple[float, float, float, float] | None:
    if not geoms:
        return None
    minx, miny, maxx, maxy = unary_union(list(geoms)).bounds
    return (float(minx), float(miny), float(maxx), float(maxy))
