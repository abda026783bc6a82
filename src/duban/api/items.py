"""Item routes: list, detail, timeline and every lifecycle action."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["督查事项"])
