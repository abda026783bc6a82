"""Helpers shared by the scoring tests (pure: no database, no Django)."""

from __future__ import annotations

from functools import cache

from duban.core.scoring import Line, Policy, UnitScore, load_preset
from duban.core.scoring.loader import resolve


@cache
def preset(name: str) -> Policy:
    return load_preset(name)


def preset_text(name: str) -> str:
    return resolve(name).read_text(encoding="utf-8")


def lines(score: UnitScore, rule_id: str, variant: str | None = None) -> list[Line]:
    return [x for x in score.lines if x.rule_id == rule_id and (variant is None or x.variant == variant)]


def contribution(score: UnitScore, rule_id: str, variant: str | None = None) -> float:
    return round(sum(x.contribution for x in lines(score, rule_id, variant)), 6)


def explained(score: UnitScore) -> float:
    """Base plus every line's contribution: must equal the total (every point is explained)."""
    return round(score.base + sum(x.contribution for x in score.lines), 6)
