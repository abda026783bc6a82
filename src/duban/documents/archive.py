"""归档材料包 (S0-14): one zip with everything about a closed or archived item.

Contents::

    README.txt                 what is in the package and how to check it
    manifest.json              every file with its SHA-256
    documents/                 the item's documents as .docx (and .pdf when LibreOffice is installed):
                               督办通知单 and every issued 催办单, with their numbers
    attachments/               the files filed against the item, under their original names
    history/timeline.html      the item's history, readable in any browser (and printable)
    history/events.json        the item's ledger events with seq, prev_hash and hash: each event's hash
                               is SHA-256(prev_hash + canonical JSON of its fields), so a reader can
                               recompute it (``duban.ledger.chain.event_digest``); ``digest_ok`` is
                               that check made when the package was built
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone

from duban.core.lifecycle import ItemState
from duban.items.errors import StateConflict
from duban.items.models import Item
from duban.items.selectors import timeline
from duban.ledger.chain import event_digest
from duban.org.models import User
from duban.urging.models import Ticket

from . import services
from .pdf import PdfUnavailable, docx_to_pdf, soffice

ARCHIVABLE = {ItemState.CLOSED.value, ItemState.ARCHIVED.value}


def _safe(name: str) -> str:
    keep = "".join(c if c not in '\\/:*?"<>|\0' else "_" for c in name).strip(". ")
    return keep[:120] or "file"


def event_record(event: Any) -> dict[str, Any]:
    return {
        "seq": event.seq, "kind": event.kind, "at": event.at.isoformat(), "actor": event.actor_id,
        "actor_name": event.actor_name, "unit": event.unit_id, "item": event.item_id,
        "jurisdiction": event.jurisdiction_id, "rule_id": event.rule_id, "summary": event.summary,
        "reason": event.reason, "before": event.before, "after": event.after, "data": event.data,
        "prev_hash": event.prev_hash, "hash": event.hash,
        "digest_ok": event_digest(event.prev_hash, event) == event.hash,
    }


def build(actor: User, item: Item, *, with_pdf: bool | None = None) -> tuple[IO[bytes], str]:
    """The package as an open temporary file (deleted when closed) and its download name."""
    if item.state not in ARCHIVABLE:
        raise StateConflict("只有已办结或已归档的事项可以下载归档材料包（S0-14）。")
    with_pdf = soffice() is not None if with_pdf is None else with_pdf
    manifest: dict[str, str] = {}
    out = tempfile.TemporaryFile()
    notes: list[str] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def put(name: str, data: bytes) -> None:
            zf.writestr(name, data)
            manifest[name] = hashlib.sha256(data).hexdigest()

        produced = [services.notice(actor, item)]
        tickets = (Ticket.objects.filter(item=item).exclude(number="").exclude(state=Ticket.State.CANCELLED)
                   .select_related("item", "unit", "jurisdiction").order_by("issued_at", "pk"))
        for ticket in tickets:
            produced.append(services.ticket_document(actor, ticket))
        for p in produced:
            docx = p.docx()
            put(f"documents/{_safe(p.file_stem)}.docx", docx)
            if with_pdf:
                try:
                    put(f"documents/{_safe(p.file_stem)}.pdf", docx_to_pdf(docx))
                except PdfUnavailable as exc:
                    notes.append(str(exc))
                    with_pdf = False
        for a in item.attachments.all().order_by("uploaded_at", "pk"):
            try:
                with a.file.open("rb") as fh:
                    data = fh.read()
            except OSError:
                notes.append(f"附件「{a.original_name}」的文件缺失。")
                continue
            put(f"attachments/{a.pk}_{_safe(a.original_name)}", data)
        events = list(timeline(item))
        records = [event_record(e) for e in events]
        put("history/events.json", json.dumps(records, ensure_ascii=False, indent=2, default=str).encode())
        html = render_to_string("documents/archive_timeline.html", {
            "item": item, "events": events, "built_at": timezone.localtime(), "by": actor,
            "all_ok": all(r["digest_ok"] for r in records)})
        put("history/timeline.html", html.encode())
        readme = render_to_string("documents/archive_readme.txt", {"item": item, "notes": notes,
                                                                   "built_at": timezone.localtime()})
        put("README.txt", readme.encode())
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    out.seek(0)
    return out, f"归档材料_{_safe(item.code)}.zip"
