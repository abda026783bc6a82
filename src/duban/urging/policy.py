"""The active urging policy: a preset name or a file path in ``DUBAN_URGING_POLICY`` (default ``urging_s0``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from duban.core.urging_policy import UrgingPolicyFile, load_urging_policy

PRESETS = Path(__file__).resolve().parent.parent / "presets"


def resolve(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return path
    preset = PRESETS / f"{name_or_path}.toml"
    if preset.exists():
        return preset
    raise FileNotFoundError(f"找不到催办政策：{name_or_path}（可用预置：{', '.join(available())}）")


def available() -> list[str]:
    return sorted(p.stem for p in PRESETS.glob("urging_*.toml"))


@lru_cache(maxsize=8)
def _load(path: str) -> UrgingPolicyFile:
    return load_urging_policy(Path(path).read_text(encoding="utf-8"), path)


def active() -> UrgingPolicyFile:
    return _load(str(resolve(getattr(settings, "DUBAN_URGING_POLICY", "urging_s0"))))
