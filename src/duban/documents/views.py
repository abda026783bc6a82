"""Pages: document downloads (.docx / .pdf), the register of issued documents, ledger exports with
progress, the Excel import of items (upload → preview → confirm), and an item's archive package.

Permissions follow the thing the document is about: an item's notice and archive as the item
(``items.access.visible_items``), a ticket as the ticket (``urging.selectors.visible_tickets``); the
register, 通报 and 问责决定, and the import are for office staff. Someone who may not see a thing gets
a 404, so its existence is not revealed.

Exports: a ledger of up to ``DUBAN_EXPORT_INLINE_ROWS`` rows (default 5 000) is written during the
request and downloaded at once; a larger one is written by a background thread into
``$DUBAN_DATA_DIR/exports/`` while the page shows a progress bar that htmx polls every second, then
downloads it. Memory stays constant either way (``documents.ledger`` streams rows to disk).
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import close_old_connections
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from duban.accounts import audit
from duban.core.lifecycle import UNIT_ROLES
from duban.inspections import access as inspection_access
from duban.items import access
from duban.items.errors import ServiceError
from duban.org.models import User
from duban.urging import selectors as urging_selectors
from duban.web.uploads import pending_uploads_dir

from . import archive, exports, importing, importing_lists, services
from .models import DocumentKind, ExportJob, IssuedDocument
from .pdf import PdfUnavailable, docx_to_pdf
from .wording import TemplateError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SESSION_KEY = "documents_item_imports"
PENDING_SECONDS = 3600


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _office(request: HttpRequest) -> User:
    user = _user(request)
    if not access.is_office(user) or user.jurisdiction_id is None:
        raise Http404(_("页面不存在或您无权访问。"))
    return user


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def _deliver(request: HttpRequest, produced: services.Produced, fmt: str) -> HttpResponse:
    docx = produced.docx()
    if fmt == "docx":
        return _attachment(docx, f"{produced.file_stem}.docx", DOCX)
    try:
        pdf = docx_to_pdf(docx)
    except PdfUnavailable as exc:
        return render(request, "documents/error.html", {"error": str(exc)}, status=503)
    return _attachment(pdf, f"{produced.file_stem}.pdf", "application/pdf")


def _produce(request: HttpRequest, make: Any, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404
    try:
        produced = make()
    except ServiceError as exc:
        return render(request, "documents/error.html", {"error": exc.message}, status=exc.status)
    except TemplateError as exc:
        return render(request, "documents/error.html", {"error": str(exc)}, status=500)
    return _deliver(request, produced, fmt)


# --- documents -----------------------------------------------------------------------------------


@login_required
def item_notice(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """督办通知单 of an item (S0-9), as the item's viewers see it."""
    item = access.visible_items(_user(request)).filter(pk=pk).first()
    if item is None:
        raise Http404(_("事项不存在或您无权查看。"))
    audit.log_item_read(request, item)  # a confidential item's notice is a read of it (S1-九(五))
    return _produce(request, lambda: services.notice(_user(request), item), fmt)


@login_required
def ticket_document(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """催办单 (S0-15), as the ticket's viewers see it."""
    ticket = urging_selectors.visible_tickets(_user(request)).filter(pk=pk).first()
    if ticket is None:
        raise Http404(_("催办单不存在或您无权查看。"))
    return _produce(request, lambda: services.ticket_document(_user(request), ticket), fmt)


@login_required
def issued_list(request: HttpRequest) -> HttpResponse:
    """公文登记: every document the jurisdiction has produced, with its number (office staff)."""
    user = _office(request)
    kind = request.GET.get("kind", "")
    docs = IssuedDocument.objects.filter(jurisdiction_id=user.jurisdiction_id).select_related("issued_by", "item")
    if kind in DocumentKind.values:
        docs = docs.filter(kind=kind)
    visible = set(access.visible_items(user).values_list("pk", flat=True)) if not user.cleared_confidential else None
    rows = [d for d in docs[:500] if d.item_id is None or visible is None or d.item_id in visible]
    open_inspections = inspection_access.visible_inspections(user).filter(state__in=importing_lists.OPEN)
    return render(request, "documents/issued_list.html", {
        "documents": rows, "kinds": DocumentKind.choices, "kind": kind, "current": "documents:issued",
        "open_inspections": open_inspections[:50]})


@login_required
def issued_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    user = _office(request)
    record = IssuedDocument.objects.filter(jurisdiction_id=user.jurisdiction_id, pk=pk).first()
    if record is None or (record.item is not None and not access.can_see(user, record.item)):
        raise Http404(_("公文不存在或您无权查看。"))
    return _produce(request, lambda: services.reproduce(user, record), fmt)


# --- ledger exports ------------------------------------------------------------------------------


def _inline_limit() -> int:
    return int(getattr(settings, "DUBAN_EXPORT_INLINE_ROWS", 5000))


def _run_in_background(job_id: int) -> None:
    def target() -> None:
        try:
            exports.run_job(job_id)
        finally:
            close_old_connections()

    threading.Thread(target=target, name=f"duban-export-{job_id}", daemon=True).start()


@login_required
def export_start(request: HttpRequest, ledger: str) -> HttpResponse:
    """Export the list the user is looking at (its filters in the query string) as an Excel ledger."""
    user = _user(request)
    if ledger not in exports.LEDGERS:
        raise Http404
    params = {k: v for k, v in request.GET.items() if v}
    job = exports.create_job(user, ledger, params)
    audit.log_export(request, f"{exports.LEDGERS[ledger].label}台账", rows=job.total, params=params)  # issue #8 §2
    if job.total <= _inline_limit():
        exports.run_job(job.pk)
        return redirect("documents:export_download", pk=job.pk)
    _run_in_background(job.pk)
    return redirect("documents:export_status", pk=job.pk)


def _job(request: HttpRequest, pk: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk, user=_user(request)).first()
    if job is None:
        raise Http404(_("导出任务不存在。"))
    return job


@login_required
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = "documents/_export_progress.html" if getattr(request, "htmx", False) else "documents/export.html"
    return render(request, template, {"job": job})


@login_required
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    path = Path(job.path)
    if job.state != ExportJob.State.DONE or not path.is_file():
        return redirect("documents:export_status", pk=job.pk)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name, content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response


# --- import of items -----------------------------------------------------------------------------


def _pending_dir() -> Path:
    return pending_uploads_dir("items-*.xlsx", PENDING_SECONDS)


@login_required
def import_items(request: HttpRequest) -> HttpResponse:
    """Upload → preview every row with its problems (sheet, row, column) → import all (only when the
    whole file is valid) or only the valid rows. Re-importing the same file skips what is imported."""
    user = _office(request)
    jurisdiction = user.jurisdiction
    assert jurisdiction is not None
    context = _import_context(reverse("documents:import_items"), _("从 Excel 台账导入督查事项"), importing.ITEMS)
    if request.method != "POST":
        return render(request, "documents/import_items.html", context)
    if request.POST.get("step") == "confirm":
        return _confirm_import(request, user, context)
    upload, error = _upload(request)
    if error:
        context["error"] = error
        return render(request, "documents/import_items.html", context, status=422)
    assert upload is not None
    data = upload.read()
    name = Path(upload.name or "upload.xlsx").name
    result = importing.read(data, jurisdiction, file_name=name)
    context.update({"result": result, "file_name": name})
    if not result.file_problems and (result.to_create or result.to_skip):
        context["token"] = _keep(request, data, name, user.jurisdiction_id, kind="items")
    return render(request, "documents/import_items.html", context, status=200 if result.ok else 422)


def _import_context(action: str, heading: str, layout: importing.Layout, **extra: Any) -> dict[str, Any]:
    return {"columns": layout.columns, "required": layout.required, "form_action": action, "heading": heading,
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "year": timezone.localdate().year, **extra}


def _keep(request: HttpRequest, data: bytes, name: str, jurisdiction_id: int | None, **extra: Any) -> str:
    """Keep the uploaded file for the confirmation; the session knows its token, the request never names a path."""
    token = secrets.token_urlsafe(18)
    (_pending_dir() / f"items-{token}.xlsx").write_bytes(data)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"name": name, "jurisdiction": jurisdiction_id, **extra}
    request.session[SESSION_KEY] = pending
    return token


def _upload(request: HttpRequest) -> tuple[Any, str]:
    upload = request.FILES.get("file")
    error = ""
    if upload is None:
        error = _("请选择要上传的 Excel 文件。")
    elif not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
        error = _("文件类型不支持：请上传 %(s)s 文件。") % {"s": "、".join(UPLOAD_SUFFIXES)}
    elif (upload.size or 0) > MAX_UPLOAD_BYTES:
        error = _("文件超过 %(n)s MB。") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)}
    return upload, error


def _confirm_import(request: HttpRequest, user: User, context: dict[str, Any]) -> HttpResponse:
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(token)  # only tokens this session was given: never a path from the request
    path = _pending_dir() / f"items-{token}.xlsx" if entry else None
    if (not entry or path is None or not path.is_file() or entry.get("jurisdiction") != user.jurisdiction_id
            or entry.get("kind") != "items"):
        context["error"] = _("预览已过期或已导入，请重新上传文件。")
        return render(request, "documents/import_items.html", context, status=409)
    assert user.jurisdiction is not None
    only_valid = request.POST.get("only_valid") == "1"
    result = importing.read(path.read_bytes(), user.jurisdiction, file_name=entry["name"])
    try:
        importing.write(result, user, only_valid=only_valid)
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "documents/import_items.html", context, status=exc.status)
    if not result.written:  # the database changed since the preview: show the new problems
        context.update({"result": result, "file_name": entry["name"], "token": token})
        return render(request, "documents/import_items.html", context, status=422)
    path.unlink(missing_ok=True)
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    text = _("已导入「%(name)s」：新增 %(c)s 项，已导入过而跳过 %(s)s 项，未导入有问题的 %(b)s 行。")
    messages.success(request, text % {"name": entry["name"], "c": result.created, "s": result.skipped,
                                      "b": result.invalid})
    return redirect(reverse("items:list"))


LIST_IMPORTS: dict[str, tuple[str, str]] = {  # which → (heading, S4 clause)
    "problems": ("导入整改问题清单：%(t)s", "S4-二(二)1"),
    "measures": ("导入整改措施清单：%(t)s", "S4-二(二)2"),
    "responsibility": ("导入整改责任清单：%(t)s", "S4-二(二)3"),
}


def _read_list(which: str, data: bytes, inspection: Any, user: User, name: str) -> Any:
    if which == "problems":
        return importing_lists.read(data, inspection, file_name=name)
    if which == "measures":
        return importing_lists.read_measures(data, inspection, user, file_name=name)
    return importing_lists.read_responsibility(data, inspection, file_name=name)


def _write_list(which: str, result: Any, user: User, only_valid: bool) -> None:
    if which == "problems":
        importing_lists.write(result, user, only_valid=only_valid)
    else:
        importing_lists.write_steps(result, user, only_valid=only_valid)


@login_required
def import_problem_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's existing 整改问题清单 into an inspection under way (S4-二(二)1)."""
    return import_list(request, pk, "problems")


@login_required
def import_list(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """One of the three lists into an inspection (S4-二(二)): the problem list and the responsibility
    list by the office, a unit's measures list by that unit; same preview and choice as the items."""
    if which not in LIST_IMPORTS:
        raise Http404(_("页面不存在。"))
    user = _office(request) if which != "measures" else _user(request)
    inspection = inspection_access.visible_inspections(user).filter(pk=pk).first()
    if inspection is None or user.jurisdiction_id is None:
        raise Http404(_("督查不存在或您无权查看。"))
    if which == "measures" and not (user.unit_id and user.has_role(*UNIT_ROLES)):
        raise Http404(_("整改措施清单由责任单位导入（S4-二(二)2）。"))
    heading, clause = LIST_IMPORTS[which]
    layout = {"problems": importing_lists.LAYOUT, "measures": importing_lists.MEASURES_LAYOUT,
              "responsibility": importing_lists.RESPONSIBILITY_LAYOUT}[which]
    action = reverse("documents:import_list", args=[pk, which])
    context = _import_context(action, _(heading) % {"t": inspection.title}, layout, lists=which, clause=clause,
                              inspection=inspection)
    kind = f"{which}:{inspection.pk}"
    if request.method != "POST":
        return render(request, "documents/import_items.html", context)
    if request.POST.get("step") == "confirm":
        token = request.POST.get("token", "")
        pending = request.session.get(SESSION_KEY, {})
        entry = pending.get(token)
        path = _pending_dir() / f"items-{token}.xlsx" if entry else None
        if not entry or path is None or not path.is_file() or entry.get("kind") != kind:
            context["error"] = _("预览已过期或已导入，请重新上传文件。")
            return render(request, "documents/import_items.html", context, status=409)
        result = _read_list(which, path.read_bytes(), inspection, user, entry["name"])
        try:
            _write_list(which, result, user, request.POST.get("only_valid") == "1")
        except ServiceError as exc:
            context["error"] = exc.message
            return render(request, "documents/import_items.html", context, status=exc.status)
        if not result.written:
            context.update({"result": result, "file_name": entry["name"], "token": token})
            return render(request, "documents/import_items.html", context, status=422)
        path.unlink(missing_ok=True)
        pending.pop(token, None)
        request.session[SESSION_KEY] = pending
        messages.success(request, _("已导入：处理 %(c)s 条，已导入过而跳过 %(s)s 条。") % {"c": result.created,
                                                                                "s": result.skipped})
        return redirect(reverse("inspections:detail", args=[pk]))
    upload, error = _upload(request)
    if error:
        context["error"] = error
        return render(request, "documents/import_items.html", context, status=422)
    data = upload.read()
    name = Path(upload.name or "upload.xlsx").name
    result = _read_list(which, data, inspection, user, name)
    context.update({"result": result, "file_name": name})
    if not result.file_problems and (result.to_create or result.to_skip):
        context["token"] = _keep(request, data, name, user.jurisdiction_id, kind=kind)
    return render(request, "documents/import_items.html", context, status=200 if result.ok else 422)


# --- archive package -----------------------------------------------------------------------------


@login_required
def item_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """归档材料包 (S0-14) of a closed or archived item: documents, attachments, history (zip)."""
    user = _user(request)
    item = access.visible_items(user).filter(pk=pk).first()
    if item is None:
        raise Http404(_("事项不存在或您无权查看。"))
    audit.log_export(request, f"归档材料包 {item.code}", params={})
    try:
        package, name = archive.build(user, item)
    except ServiceError as exc:
        return render(request, "documents/error.html", {"error": exc.message}, status=exc.status)
    response = FileResponse(package, as_attachment=True, filename=name, content_type="application/zip")
    response["Cache-Control"] = "no-store"
    return response
