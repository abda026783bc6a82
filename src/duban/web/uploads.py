"""Uploaded files waiting between a preview and the user's confirmation (Excel imports)."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings


def pending_uploads_dir(pattern: str, max_age_seconds: int) -> Path:
    """``$DUBAN_DATA_DIR/imports``, created if missing, after removing files matching ``pattern`` that are
    older than ``max_age_seconds`` (a preview nobody confirmed must not stay on disk for ever)."""
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in path.glob(pattern):
        try:
            if now - old.stat().st_mtime > max_age_seconds:
                old.unlink()
        except OSError:
            pass  # removed by a concurrent request
    return path
