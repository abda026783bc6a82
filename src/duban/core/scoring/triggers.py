"""Consequences of a ranking (SPEC §4): accountability and exemption triggers.

S3b-17 / S3a-5(五): points below the base **and** among the last two for two years running → the units
and their staff are held to account. S3b-19: the year's first county and the first three municipal
units are recommended for / granted exemption from the next inspections. A trigger looks at the
``consecutive`` latest results of a history (oldest first); a one-period trigger is already part of
every ``Result``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import Result, TriggerHit, UnitScore
from .model import Policy, TriggerRule


def rank_from_bottom(score: UnitScore, peers: Sequence[UnitScore]) -> int:
    """1 = last; ties share the position (two units tied for last are both 1)."""
    return sum(1 for p in peers if p.total < score.total) + 1


def _peers(result: Result, policy: Policy, score: UnitScore) -> list[UnitScore]:
    if policy.rank_scope == "category":
        return [s for s in result.scores if s.category == score.category]
    return list(result.scores)


def _holds(trigger: TriggerRule, policy: Policy, result: Result, score: UnitScore, latest: bool) -> tuple[bool, str]:
    parts = []
    if trigger.rank_top:
        if score.rank is None or score.rank > trigger.rank_top:
            return False, ""
        parts.append(f"排名第 {score.rank}")
    if trigger.rank_bottom:
        position = rank_from_bottom(score, _peers(result, policy, score))
        if position > trigger.rank_bottom:
            return False, ""
        parts.append(f"倒数第 {position}")
    if trigger.below_base and (latest or trigger.below_base_each):
        if not score.total < score.base:
            return False, ""
        parts.append(f"{score.total:g} 分低于基准分 {score.base:g}")
    return True, "，".join(parts)


def evaluate_triggers(policy: Policy, history: Sequence[Result], *,
                      single_period_only: bool = False) -> list[TriggerHit]:
    """The triggers that fire on the latest result of ``history`` (results oldest first)."""
    if not history:
        return []
    current = history[-1]
    maps = [r.by_unit() for r in history]
    hits: list[TriggerHit] = []
    for trigger in policy.triggers:
        if single_period_only and trigger.consecutive > 1:
            continue
        if len(history) < trigger.consecutive:
            continue
        window = list(range(len(history) - trigger.consecutive, len(history)))
        for score in current.scores:
            if trigger.categories and score.category not in trigger.categories:
                continue
            texts = []
            for position, index in enumerate(window):
                past = maps[index].get(score.unit)
                if past is None:
                    break
                ok, text = _holds(trigger, policy, history[index], past, position == len(window) - 1)
                if not ok:
                    break
                texts.append(f"{history[index].period.label}{text}")
            else:
                periods = tuple(history[i].period.label for i in window)
                hits.append(TriggerHit(trigger.id, trigger.action, trigger.label, score.unit, score.category, periods,
                                       f"{trigger.label}：{'；'.join(texts)}（{trigger.id}）"))
    return hits
