"""Scoring and ranking under declarative policies, every point explained (SPEC §4, issue 4).

Pure Python: the Django side feeds it plain data (units, facts from the score ledger) and shows what it
returns. ``load_preset("s0")`` / ``load_file(path)`` → ``Policy``; ``score(policy, units, facts, period)``
→ ``Result``; ``evaluate_triggers(policy, history)``; ``what_if(policy_a, policy_b, …)``;
``check_policy(text, filename)`` → every problem with file, line and field. See docs/SCORING.md.
"""

from .engine import Fact, Line, Period, Result, TriggerHit, Unit, UnitScore, fact, score
from .loader import (
    CheckReport,
    PolicyError,
    Problem,
    check_policy,
    load_file,
    load_policy,
    load_preset,
    preset_names,
    resolve,
)
from .model import Policy
from .triggers import evaluate_triggers, rank_from_bottom
from .vocab import FACT_KINDS
from .whatif import ComparisonRow, compare, what_if

__all__ = [
    "FACT_KINDS",
    "CheckReport",
    "ComparisonRow",
    "Fact",
    "Line",
    "Period",
    "Policy",
    "PolicyError",
    "Problem",
    "Result",
    "TriggerHit",
    "Unit",
    "UnitScore",
    "check_policy",
    "compare",
    "evaluate_triggers",
    "fact",
    "load_file",
    "load_policy",
    "load_preset",
    "preset_names",
    "rank_from_bottom",
    "resolve",
    "score",
    "what_if",
]
