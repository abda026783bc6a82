"""Pages for urging tickets and the inbox. Views translate HTTP to service calls; no rules here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.items.errors import ServiceError
from duban.notify.models import Notification

from . import selectors, services
from .models import Ticket

COLOUR_CSS = {"blue": "#0070C0", "yellow": "#C99400", "orange": "#E26B0A", "red": "#C00000"}


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tickets = selectors.visible_tickets(user)  # type: ignore[arg-type]
    state = request.GET.get("state", "")
    if state:
        tickets = tickets.filter(state=state)
    return render(request, "urging/ticket_list.html", {
        "to_sign": selectors.tickets_to_sign(user),  # type: ignore[arg-type]
        "to_answer": selectors.tickets_to_answer(user),  # type: ignore[arg-type]
        "tickets": tickets[:200],
        "states": Ticket.State.choices,
        "state": state,
        "colours": COLOUR_CSS,
    })


def _visible(request: HttpRequest, pk: int) -> Ticket:
    ticket = selectors.visible_tickets(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
    if ticket is None:
        raise Http404("催办单不存在或您无权查看。")
    return ticket


@login_required
def ticket_detail(request: HttpRequest, pk: int, *, error: ServiceError | None = None) -> HttpResponse:
    ticket = _visible(request, pk)
    user = request.user
    unit_member = user.unit_id == ticket.unit_id  # type: ignore[union-attr]
    context = {
        "ticket": ticket,
        "colour": COLOUR_CSS.get(ticket.colour, "#333"),
        "can_sign": ticket.state == Ticket.State.DRAFTED and services.may_sign(user, ticket),  # type: ignore[arg-type]
        "can_acknowledge": unit_member and ticket.state == Ticket.State.ISSUED,
        "can_answer": unit_member and ticket.state in (Ticket.State.ISSUED, Ticket.State.ACKNOWLEDGED),
        "is_office": user.has_role("office_staff", "office_head"),  # type: ignore[union-attr]
        "error": error,
        "events": ticket.item.events.filter(data__ticket=ticket.pk).order_by("seq"),
    }
    return render(request, "urging/ticket_detail.html", context, status=error.status if error else 200)


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = _visible(request, pk)
    user = request.user
    data = request.POST
    try:
        if action == "sign":
            services.do_sign_ticket(actor=user, ticket=ticket)  # type: ignore[arg-type]
            messages.success(request, "催办单已签发。")
        elif action == "acknowledge":
            services.do_acknowledge_ticket(actor=user, ticket=ticket)  # type: ignore[arg-type]
            messages.success(request, "已签收催办单。")
        elif action == "answer":
            services.do_answer_ticket(
                actor=user, ticket=ticket, answer=data.get("answer", ""),  # type: ignore[arg-type]
                objective_cause=data.get("objective_cause") == "on", plan=data.get("plan", ""),
                plan_signed_by=data.get("plan_signed_by", ""),
            )
            messages.success(request, "已反馈。")
        elif action == "explanation":
            services.do_record_explanation(actor=user, ticket=ticket,  # type: ignore[arg-type]
                                           explanation=data.get("explanation", ""))
            messages.success(request, "已记录当面说明情况。")
        elif action == "cancel":
            services.do_cancel_ticket(actor=user, ticket=ticket, reason=data.get("reason", ""))  # type: ignore[arg-type]
            messages.success(request, "已撤销。")
        else:
            raise Http404
    except ServiceError as exc:
        return ticket_detail(request, pk, error=exc)
    return redirect("urging:detail", pk=pk)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notices = Notification.objects.filter(recipient=request.user).select_related("item")[:200]
    return render(request, "urging/inbox.html", {"notices": notices})


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("urging:inbox")
