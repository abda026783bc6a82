"""Ledger exports of the list pages (items, tickets), with the list's filters, as jobs with progress.

``create_job`` counts the rows the user would see; ``run_job`` writes the ledger to
``$DUBAN_DATA_DIR/exports/<job>.xlsx`` through ``documents.ledger`` (constant memory) and records the
progress every 1 000 rows, which the export page polls. The view decides whether to run the job in
the request (small) or in a background thread (large).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from duban.items.exports import write_items
from duban.items.selectors import ItemFilter, filtered_items, with_list_relations
from duban.org.models import User
from duban.urging import selectors as urging_selectors
from duban.urging.models import Ticket

from .ledgers import write_tickets
from .models import ExportJob


@dataclass(frozen=True)
class LedgerKind:
    label: str
    rows: Callable[[User, dict[str, str]], QuerySet[Any]]
    write: Callable[..., int]


def _items(user: User, params: dict[str, str]) -> QuerySet[Any]:
    return with_list_relations(filtered_items(user, ItemFilter.from_params(params)))


def _tickets(user: User, params: dict[str, str]) -> QuerySet[Any]:
    qs = urging_selectors.visible_tickets(user)
    state = params.get("state", "")
    if state in Ticket.State.values:
        qs = qs.filter(state=state)
    colour = params.get("colour", "")
    if colour:
        qs = qs.filter(colour=colour)
    return qs


LEDGERS: dict[str, LedgerKind] = {
    "items": LedgerKind("督查事项", _items, write_items),
    "tickets": LedgerKind("催办单", _tickets, write_tickets),
}


def _title(user: User, kind: LedgerKind, moment: Any) -> str:
    jurisdiction = user.jurisdiction.name if user.jurisdiction else ""
    return f"{jurisdiction}{kind.label}台账（导出时间 {moment:%Y-%m-%d %H:%M}）"


def create_job(user: User, ledger: str, params: dict[str, str]) -> ExportJob:
    kind = LEDGERS[ledger]
    now = timezone.localtime()
    return ExportJob.objects.create(
        jurisdiction_id=user.jurisdiction_id, user=user, ledger=ledger, params=params,
        title=_title(user, kind, now), total=kind.rows(user, params).count(), created_at=now,
        file_name=f"{kind.label}台账_{now:%Y%m%d-%H%M}.xlsx",
    )


def _exports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_job(job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    kind = LEDGERS[job.ledger]
    target = _exports_dir() / f"{job.pk}.xlsx"

    def progress(n: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=n)

    try:
        rows: Iterable[Any] = kind.rows(job.user, job.params)
        if job.ledger != "items":  # the item ledger reads its queryset in chunks itself
            rows = rows.iterator(chunk_size=2000)  # type: ignore[attr-defined]
        count = kind.write(str(target), rows, title=job.title, progress=progress)
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.FAILED, error=traceback.format_exc()[-2000:],
                                                   finished_at=timezone.now())
    else:
        ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.DONE, done=count, path=str(target),
                                                   finished_at=timezone.now())
    job.refresh_from_db()
    return job
