"""S2a-二(一): grids cover the community with no gap and no overlap — real-shaped polygons (a community in
the north of Harbin's old town, made-up coordinates), gaps, overlaps, slivers, float noise, a point on a
shared edge (S2a-二(三) routing rule)."""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon

from duban.core import grid_topology as topo

A, B, C, D = (126.6300, 45.7500), (126.6352, 45.7496), (126.6391, 45.7512), (126.6405, 45.7547)
E, F, G, H = (126.6372, 45.7581), (126.6318, 45.7585), (126.6281, 45.7560), (126.6276, 45.7527)
P1 = (126.6326, 45.7498)  # on A–B
P2 = (126.6345, 45.7583)  # on E–F
P3 = (126.6398, 45.75295)  # on C–D
Q1, Q2, R1 = (126.6335, 45.7530), (126.6329, 45.7555), (126.6366, 45.7533)

BOUNDARY = Polygon([A, B, C, D, E, F, G, H, A])


def grids(w1_q2: tuple[float, float] = Q2, w1_g: tuple[float, float] = G) -> dict[str, Polygon]:
    return {
        "W1": Polygon([P1, Q1, w1_q2, P2, F, w1_g, H, A, P1]),
        "E1": Polygon([P1, B, C, P3, R1, Q1, P1]),
        "E2": Polygon([Q1, R1, P3, D, E, P2, Q2, Q1]),
    }


def test_exact_cover_is_ok_S2a_yi() -> None:
    report = topo.check_cover(BOUNDARY, grids())
    assert report.ok, report.summary()
    assert report.covered_area_m2 == pytest.approx(report.boundary_area_m2, rel=1e-6)
    assert "无缝隙、无重叠" in report.summary() and "S2a-二(一)" in report.summary()


def test_float_noise_on_a_shared_vertex_is_tolerated() -> None:
    # 1e-9° ≈ 0.1 mm: a shared vertex digitised twice is not a gap or an overlap (tolerance 5 cm).
    report = topo.check_cover(BOUNDARY, grids(w1_q2=(Q2[0] + 1e-9, Q2[1] - 1e-9)))
    assert report.ok, report.summary()


def test_gap_is_reported_with_place_area_and_neighbours() -> None:
    moved = (Q2[0] - 0.0003, Q2[1])  # ≈ 23 m west: a wedge between W1 and E2 stays uncovered
    report = topo.check_cover(BOUNDARY, grids(w1_q2=moved))
    gaps = report.of_kind("gap")
    assert len(gaps) == 1 and not report.of_kind("overlap")
    gap = gaps[0]
    assert gap.grids == ("E2", "W1")
    # Two thin triangles Q1–Q2'–Q2 and Q2–Q2'–P2: ½ · 23 m · (277 m + 318 m) ≈ 6,800 m²
    assert 6000 < gap.area_m2 < 7600
    lon, lat = gap.centroid
    assert Q2[0] - 0.0004 < lon < P2[0] and Q1[1] < lat < P2[1]
    assert gap.bbox[0] == pytest.approx(Q2[0] - 0.0003) and gap.bbox[3] == pytest.approx(P2[1])
    assert "缝隙" in gap.message and "E2、W1" in gap.message and "平方米" in gap.message
    assert gap.geometry["type"] == "Polygon"


def test_overlap_names_both_grids() -> None:
    moved = (Q2[0] + 0.0003, Q2[1])  # 23 m east: W1 eats into E2
    report = topo.check_cover(BOUNDARY, grids(w1_q2=moved))
    overlaps = report.of_kind("overlap")
    assert [p.grids for p in overlaps] == [("E2", "W1")]
    assert overlaps[0].area_m2 > 500
    assert not report.of_kind("gap")
    assert "相互重叠" in overlaps[0].message


def test_badly_snapped_edge_is_a_sliver_not_a_gap() -> None:
    moved = (Q2[0] - 0.000006, Q2[1])  # ≈ 0.47 m: above float noise, below the 1 m sliver width
    report = topo.check_cover(BOUNDARY, grids(w1_q2=moved))
    assert [p.kind for p in report.problems] == ["sliver_gap"]
    assert report.problems[0].width_m < 1.0
    assert "细碎缝隙" in report.problems[0].message


def test_grid_reaching_outside_the_boundary() -> None:
    report = topo.check_cover(BOUNDARY, grids(w1_g=(G[0] - 0.0005, G[1])))
    outside = report.of_kind("outside")
    assert len(outside) == 1 and outside[0].grids == ("W1",)
    assert "社区边界之外" in outside[0].message


def test_missing_grid_leaves_one_large_gap() -> None:
    g = grids()
    del g["E1"]
    report = topo.check_cover(BOUNDARY, g)
    (gap,) = report.of_kind("gap")
    assert gap.area_m2 == pytest.approx(topo.area_m2(grids()["E1"]), rel=1e-3)
    assert set(gap.grids) == {"E2", "W1"}


def test_thin_grid_is_a_sliver_grid() -> None:
    thin = Polygon([(126.64, 45.75), (126.641, 45.75), (126.641, 45.750003), (126.64, 45.750003)])
    report = topo.check_cover(thin, {"T": thin})
    assert [p.kind for p in report.problems] == ["sliver_grid"]


# ---- routing (S2a-二(三)) ------------------------------------------------------------------------


def test_point_inside_one_grid() -> None:
    loc = topo.locate(126.6300, 45.7540, grids())
    assert (loc.grid, loc.rule) == ("W1", "inside")


def test_point_on_a_shared_edge_goes_to_the_smallest_code() -> None:
    mid = ((Q1[0] + Q2[0]) / 2, (Q1[1] + Q2[1]) / 2)  # on the W1 | E2 edge
    loc = topo.locate(*mid, grids())
    assert loc.rule == "shared_edge"
    assert loc.candidates == ("E2", "W1") and loc.grid == "E2"
    assert "共同边界" in loc.explanation and "S2a-二(三)" in loc.explanation


def test_point_on_a_vertex_of_three_grids() -> None:
    loc = topo.locate(*Q1, grids())
    assert loc.rule == "shared_edge" and loc.candidates == ("E1", "E2", "W1") and loc.grid == "E1"


def test_point_just_outside_snaps_to_nearest_and_far_point_is_outside() -> None:
    near = topo.locate(126.6300, 45.74985, grids())  # ≈ 15 m south of A–B
    assert (near.grid, near.rule) == ("W1", "nearest") and 5 < near.distance_m < 30
    far = topo.locate(126.70, 45.80, grids())
    assert (far.grid, far.rule) == (None, "outside")


# ---- parsing ---------------------------------------------------------------------------------------


def _fc(*features: dict[str, object]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(code: str, ring: list[tuple[float, float]]) -> dict[str, object]:
    return {"type": "Feature", "properties": {"code": code, "name": f"{code}网格"},
            "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}


def test_parse_collection_and_collect_every_error() -> None:
    ok = _feature("W1", list(grids()["W1"].exterior.coords))
    parsed = topo.parse_feature_collection(_fc(ok))
    assert parsed[0].code == "W1" and parsed[0].name == "W1网格"
    projected = _feature("X", [(500000, 5060000), (500100, 5060000), (500100, 5060100), (500000, 5060000)])
    bowtie = _feature("Y", [(126.63, 45.75), (126.64, 45.76), (126.64, 45.75), (126.63, 45.76), (126.63, 45.75)])
    unclosed = _feature("Z", [(126.63, 45.75), (126.64, 45.75), (126.64, 45.76), (126.635, 45.76)])
    with pytest.raises(topo.GeometryError) as exc:
        topo.parse_feature_collection(_fc(ok, ok, projected, bowtie, unclosed, {"type": "Feature", "properties": {}}))
    text = str(exc.value)
    assert "网格编号 W1 重复" in text
    assert "不是 WGS84" in text
    assert "自相交" in text
    assert "未闭合" in text
    assert "缺少 properties.code" in text


def test_projected_crs_is_refused() -> None:
    data = _fc(_feature("W1", list(grids()["W1"].exterior.coords)))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    with pytest.raises(topo.GeometryError, match="WGS84"):
        topo.parse_feature_collection(data)


def test_area_in_square_metres() -> None:
    square = Polygon([(126.63, 45.75), (126.631, 45.75), (126.631, 45.751), (126.63, 45.751)])
    # 0.001° lon at 45.75° ≈ 77.7 m, 0.001° lat ≈ 110.6 m
    assert topo.area_m2(square) == pytest.approx(77.7 * 110.6, rel=0.01)


def test_drawn_grid_snaps_to_neighbours_within_five_metres() -> None:
    g = grids()
    off = Polygon([(Q1[0], Q1[1] + 0.000005), R1, P3, D, E, (P2[0] + 0.00001, P2[1]), Q2])  # ≈ 0.6–0.8 m off
    assert not topo.check_cover(BOUNDARY, {**g, "E2": off}).ok
    snapped = topo.snap_to(off, [BOUNDARY, g["W1"], g["E1"]])
    assert topo.check_cover(BOUNDARY, {**g, "E2": snapped}).ok
    far = Polygon([(Q1[0], Q1[1] + 0.0001), R1, P3, D, E, P2, Q2])  # 11 m off: not snapped, still a gap
    # A corner drawn 4 m along the boundary from the neighbour's corner lands on that corner.
    along = Polygon([Q1, R1, (126.639815, 45.752987), D, E, P2, Q2])
    assert topo.check_cover(BOUNDARY, {**g, "E2": topo.snap_to(along, [BOUNDARY, g["W1"], g["E1"]])}).ok
    assert not topo.check_cover(BOUNDARY, {**g, "E2": topo.snap_to(far, [BOUNDARY, g["W1"], g["E1"]])}).ok
