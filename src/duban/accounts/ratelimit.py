"""Request rate limits shared by every server process (issue #8 §4: login, public grid page, Open311).

Fixed windows counted in the database (``RateCounter``), so several waitress processes share them;
no Redis. Configured in ``settings.DUBAN_RATE_LIMITS``: a list of rules, each
``{"prefix": "/login/", "methods": ["POST"], "limit": 10, "window": 300, "by": "ip+username"}``;
``by`` is ``ip`` or ``ip+username`` (the posted username, for the login form).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import RateCounter


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int
    window: int
    methods: tuple[str, ...] = ()
    by: str = "ip"

    @classmethod
    def from_setting(cls, raw: dict[str, Any]) -> Rule:
        return cls(prefix=str(raw["prefix"]), limit=int(raw["limit"]), window=int(raw["window"]),
                   methods=tuple(m.upper() for m in raw.get("methods", ())), by=str(raw.get("by", "ip")))

    def applies(self, path: str, method: str) -> bool:
        return path.startswith(self.prefix) and (not self.methods or method.upper() in self.methods)


def hit(key: str, window: int, now: float | None = None) -> tuple[int, int]:
    """Count one request under ``key``; returns (count in the current window, seconds until it ends)."""
    now = time.time() if now is None else now
    start = int(now // window) * window
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:  # another process created it first
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True).first()
    return int(count or 0), max(1, int(start + window - now))


def purge_old(now: float | None = None, keep_seconds: int = 86400) -> int:
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - keep_seconds).delete()
    return deleted
