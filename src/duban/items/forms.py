"""Forms of the item pages: registration and one small form per lifecycle action.

A form only turns posted fields into the arguments of the matching ``services.do_*`` call
(``perform``). The rules themselves — who may act, in which state, what must be filled in — are checked
by the services; their ``InvalidInput.field_errors`` are shown next to the fields here
(``apply_service_error``). Text fields the services require carry the HTML ``required`` attribute for
the browser but are not re-validated by the form, so the service's message (with its rule ID) is the
one the user reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from duban.core.lifecycle import LEVEL_LABELS, OFFICE_ROLES, TRANSITIONS, Action, Level, Role
from duban.org.models import Unit, User

from . import services
from .errors import ServiceError
from .models import Channel, ExtensionRequest, Item, Objection, Source

MAX_MILESTONES = 5

LEVEL_CHOICES = [(lv.value, LEVEL_LABELS[lv]) for lv in Level]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _text(label: str, *, rows: int = 0, ui_required: bool = True, max_length: int | None = None,
          help_text: str = "", placeholder: str = "") -> forms.CharField:
    """A text field the service validates: ``required`` in the browser only (see module docstring)."""
    attrs: dict[str, Any] = {}
    if ui_required:
        attrs["required"] = True
    if placeholder:
        attrs["placeholder"] = placeholder
    widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": rows}) if rows else forms.TextInput(attrs=attrs)
    field = forms.CharField(label=label, required=False, widget=widget, max_length=max_length, help_text=help_text)
    field.ui_required = ui_required  # type: ignore[attr-defined]
    return field


def jurisdiction_units(jurisdiction_id: int) -> QuerySet[Unit]:
    return Unit.objects.filter(jurisdiction_id=jurisdiction_id, active=True).order_by("path")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        depth = max(obj.path.count("/") - 2, 0)
        return "　" * depth + obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.title}）" if obj.title else obj.display_name


def leaders_of(jurisdiction_id: int | None) -> QuerySet[User]:
    roles = [Role.DEPUTY_HEAD.value, Role.GOV_HEAD.value, Role.OFFICE_HEAD.value]
    return (
        User.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True, role_grants__role__in=roles)
        .distinct().order_by("full_name", "username")
    )


def office_people(jurisdiction_id: int | None) -> QuerySet[User]:
    return (
        User.objects.filter(
            jurisdiction_id=jurisdiction_id, is_active=True, role_grants__role__in=[r.value for r in OFFICE_ROLES]
        )
        .distinct().order_by("full_name", "username")
    )


class ServiceErrorsMixin:
    """Show a service's field errors next to the fields (unknown keys become form-level errors)."""

    def apply_service_error(self, exc: ServiceError) -> None:
        form: forms.Form = self  # type: ignore[assignment]
        if exc.field_errors:
            for name, message in exc.field_errors.items():
                target = self.error_field(name)
                form.add_error(target if target in form.fields else None, message)
        if not exc.field_errors or not all(self.error_field(n) in form.fields for n in exc.field_errors):
            if exc.message not in form.non_field_errors():
                form.add_error(None, exc.message)

    def error_field(self, name: str) -> str:
        return name


# --- registration -------------------------------------------------------------------------------


class ItemRegisterForm(ServiceErrorsMixin, forms.Form):
    """立项 (S0-9): content, source, level and deadline; the office head approves it next."""

    title = _text(_("事项名称"), max_length=200, placeholder=_("如：推进老旧小区改造"))
    # Source and level are checked by the service too, so one submit lists every missing field.
    source = forms.ChoiceField(
        label=_("事项来源"), choices=[("", _("— 请选择 —")), *Source.choices], required=False,
        widget=forms.Select(attrs={"required": True}),
        error_messages={"invalid_choice": _("请选择事项来源。")},
    )
    source_detail = _text(_("来源说明"), ui_required=False, max_length=200,
                          placeholder=_("如会议名称、批示件文号"))
    level = forms.ChoiceField(
        label=_("督查等级"), choices=LEVEL_CHOICES, widget=forms.RadioSelect(attrs={"required": True}),
        required=False, help_text=_("特别重要：每周报送；比较重要：每月报送；一般重要：每季度报送（S0-8）"),
        error_messages={"invalid_choice": _("请选择督查等级（特别重要/比较重要/一般重要）。")},
    )
    content = _text(_("办理内容"), rows=4)
    requirements = _text(_("办理要求"), rows=2, ui_required=False)
    deadline = forms.DateField(label=_("办结时限"), required=False, widget=DateInput(),
                               help_text=_("填写日期，或在右侧填写工作日数，二者选一"),
                               error_messages={"invalid": _("请输入有效的日期。")})
    deadline_working_days = forms.IntegerField(
        label=_("办理工作日数"), required=False, min_value=1, max_value=500,
        help_text=_("自交办之日起计算；均不填则按 7 个工作日（S1-九(四)）"),
        error_messages={"invalid": _("请输入整数。"), "min_value": _("工作日数应在 1 到 500 之间。"),
                        "max_value": _("工作日数应在 1 到 500 之间。")},
    )
    supervising_leader = PersonChoiceField(
        label=_("主管领导"), queryset=User.objects.none(), required=False, empty_label=_("— 暂不指定 —"),
        error_messages={"invalid_choice": _("主管领导须为本辖区的政府领导。")},
    )
    confidential = forms.BooleanField(label=_("涉密事项"), required=False,
                                      help_text=_("涉密事项仅限有权限的人员查阅（S1-九(五)）"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["supervising_leader"].queryset = leaders_of(user.jurisdiction_id)  # type: ignore[attr-defined]
        if not user.cleared_confidential:
            field = self.fields["confidential"]
            field.disabled = True
            field.help_text = _("您未获得涉密事项权限，不能登记涉密事项（S1-九(五)）")

    def perform(self) -> Item:
        d = self.cleaned_data
        return services.do_register(
            actor=self.user, title=d["title"], content=d["content"], source=d["source"], level=d["level"],
            source_detail=d["source_detail"], requirements=d["requirements"], deadline=d["deadline"],
            deadline_working_days=d["deadline_working_days"], confidential=bool(d.get("confidential")),
            supervising_leader=d["supervising_leader"],
        )


# --- lifecycle actions --------------------------------------------------------------------------


class ActionForm(ServiceErrorsMixin, forms.Form):
    """Base of the per-action forms: the item's version travels along for the optimistic lock."""

    action: ClassVar[Action]
    danger: ClassVar[bool] = False
    submit_label: ClassVar[str] = ""
    multipart: ClassVar[bool] = False

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, item: Item, user: User, target: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", item.version)
        super().__init__(*args, **kwargs)
        self.item = item
        self.user = user
        self.target = target

    @property
    def label(self) -> str:
        return TRANSITIONS[self.action].label

    @property
    def rule_id(self) -> str:
        return TRANSITIONS[self.action].rule_id

    @property
    def button(self) -> str:
        return self.submit_label or self.label

    def common(self) -> dict[str, Any]:
        return {"actor": self.user, "item": self.item, "expected_version": self.cleaned_data.get("version")}

    def perform(self) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError


class ApproveForm(ActionForm):
    action = Action.APPROVE
    submit_label = _("审定同意")
    opinion = _text(_("审定意见"), rows=2, ui_required=False)

    def perform(self) -> str:
        services.do_approve(**self.common(), opinion=self.cleaned_data["opinion"])
        return str(_("已审定同意，事项待交办。"))


class DeclineForm(ActionForm):
    action = Action.DECLINE
    danger = True
    reason = _text(_("退回理由"), rows=2)

    def perform(self) -> str:
        services.do_decline(**self.common(), reason=self.cleaned_data["reason"])
        return str(_("已退回督查室。"))


class ResubmitForm(ActionForm):
    action = Action.RESUBMIT
    title = _text(_("事项名称"), ui_required=False, max_length=200)
    content = _text(_("办理内容"), rows=3, ui_required=False)
    level = forms.ChoiceField(label=_("督查等级"), choices=LEVEL_CHOICES, widget=forms.RadioSelect, required=False)
    note = _text(_("修改说明"), rows=2, ui_required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.update(title=self.item.title, content=self.item.content, level=self.item.level)

    def perform(self) -> str:
        d = self.cleaned_data
        services.do_resubmit(**self.common(), title=d["title"] or None, content=d["content"] or None,
                             level=d["level"] or None, note=d["note"])
        return str(_("已修改并重新报审。"))


class AssignForm(ActionForm):
    """交办 (S1-五(二)): one lead unit, any co-units each with its own part, a deadline and a channel."""

    action = Action.ASSIGN
    lead_unit = UnitChoiceField(label=_("牵头单位"), queryset=Unit.objects.none(), empty_label=_("— 请选择 —"),
                                error_messages={"required": _("请选择牵头单位。"),
                                                "invalid_choice": _("单位不存在或不属于本辖区。")})
    lead_part = _text(_("牵头单位承担任务"), rows=2, ui_required=False)
    co_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"), queryset=Unit.objects.none(), required=False,
        error_messages={"invalid_choice": _("单位不存在或不属于本辖区。"),
                        "invalid_pk_value": _("单位不存在或不属于本辖区。")},
    )
    deadline = forms.DateField(label=_("办结时限"), required=False, widget=DateInput(),
                               error_messages={"invalid": _("请输入有效的日期。")})
    deadline_working_days = forms.IntegerField(
        label=_("或：工作日数"), required=False, min_value=1, max_value=500,
        help_text=_("日期与工作日数二者选一；均不填按立项时的设定，否则 7 个工作日（S1-九(四)）"),
        error_messages={"invalid": _("请输入整数。"), "min_value": _("工作日数应在 1 到 500 之间。"),
                        "max_value": _("工作日数应在 1 到 500 之间。")},
    )
    channel = forms.ChoiceField(label=_("交办方式"), choices=Channel.choices, initial=Channel.PLATFORM,
                                widget=forms.RadioSelect)
    requirements = _text(_("办理要求"), rows=2, ui_required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = jurisdiction_units(self.item.jurisdiction_id)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        self.initial.setdefault("requirements", self.item.requirements)
        if self.item.deadline:
            self.initial.setdefault("deadline", self.item.deadline)
        elif self.item.deadline_working_days:
            self.initial.setdefault("deadline_working_days", self.item.deadline_working_days)
        self.co_parts: dict[int, str] = {}

    def error_field(self, name: str) -> str:
        return {"units": "lead_unit"}.get(name, name)

    def co_unit_rows(self) -> list[tuple[Unit, bool, str, int]]:
        """(unit, checked, part, depth) for the co-unit checklist."""
        chosen = {str(v) for v in (self.data.getlist("co_units") if self.is_bound else [])}  # type: ignore[attr-defined]
        rows = []
        for unit in self.fields["co_units"].queryset:  # type: ignore[attr-defined]
            part = self.data.get(f"co_part_{unit.pk}", "") if self.is_bound else ""
            rows.append((unit, str(unit.pk) in chosen, part, max(unit.path.count("/") - 2, 0)))
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.co_parts = {
            unit.pk: str(self.data.get(f"co_part_{unit.pk}", "")).strip()[:2000]
            for unit in data.get("co_units") or []
        }
        return data

    def perform(self) -> str:
        d = self.cleaned_data
        co = [services.CoUnit(unit=u, part=self.co_parts.get(u.pk, "")) for u in d["co_units"] or []]
        services.do_assign(
            **self.common(), lead_unit=d["lead_unit"], lead_part=d["lead_part"], co_units=co,
            deadline=d["deadline"], deadline_working_days=d["deadline_working_days"], channel=d["channel"],
            requirements=d["requirements"],
        )
        return str(_("已交办，等待承办单位签收。"))


class ReceiveForm(ActionForm):
    """签收 (S0-10): responsible leader, section and person; a work plan with milestones (S1-五(三))."""

    action = Action.RECEIVE
    responsible_leader = _text(_("责任领导"), max_length=60)
    responsible_section = _text(_("责任科室"), max_length=60)
    responsible_person = _text(_("具体责任人"), max_length=60)
    responsible_phone = _text(_("联系电话"), ui_required=False, max_length=32)
    work_plan = _text(_("工作方案"), rows=3, ui_required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_MILESTONES + 1):
            self.fields[f"ms_title_{i}"] = forms.CharField(
                label=_("节点 %(n)s") % {"n": i}, required=False, max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("节点 %(n)s：工作内容") % {"n": i}}),
            )
            self.fields[f"ms_due_{i}"] = forms.DateField(label=_("完成时间"), required=False, widget=DateInput(),
                                                         error_messages={"invalid": _("请输入有效的日期。")})
        self.milestones: list[services.PlannedMilestone] = []

    def milestone_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"ms_title_{i}"], self[f"ms_due_{i}"]) for i in range(1, MAX_MILESTONES + 1)]

    def error_field(self, name: str) -> str:
        return {"milestones": "ms_title_1"}.get(name, name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.milestones = []
        for i in range(1, MAX_MILESTONES + 1):
            title = (data.get(f"ms_title_{i}") or "").strip()
            due_on: dt.date | None = data.get(f"ms_due_{i}")
            if title and due_on is None and f"ms_due_{i}" not in self.errors:
                self.add_error(f"ms_due_{i}", _("请填写该节点的完成时间。"))
            elif due_on is not None and not title:
                self.add_error(f"ms_title_{i}", _("请填写节点内容。"))
            elif title and due_on is not None:
                self.milestones.append(services.PlannedMilestone(title=title, due_on=due_on))
        return data

    def perform(self) -> str:
        d = self.cleaned_data
        services.do_receive(
            **self.common(), responsible_leader=d["responsible_leader"],
            responsible_section=d["responsible_section"], responsible_person=d["responsible_person"],
            responsible_phone=d["responsible_phone"], work_plan=d["work_plan"], milestones=self.milestones,
        )
        return str(_("已签收。"))


class ObjectForm(ActionForm):
    action = Action.OBJECT
    text = _text(_("调整意见"), rows=3, help_text=_("对责任分工或完成时限有异议的，须于签收当日书面提出（S0-10）"))

    def perform(self) -> str:
        objection = services.do_object(**self.common(), text=self.cleaned_data["text"])
        if objection.late:
            return str(_("已提出调整意见（未于签收当日提出，计为逾期，S0-A四.2）。"))
        return str(_("已提出调整意见，等待督查室答复。"))


class AnswerObjectionForm(ActionForm):
    action = Action.ANSWER_OBJECTION
    accept = forms.ChoiceField(
        label=_("答复结果"), widget=forms.RadioSelect,
        choices=[("reject", Objection.Outcome.REJECTED.label), ("accept", Objection.Outcome.ACCEPTED.label)],
        initial="reject", error_messages={"required": _("请选择答复结果。")},
    )
    answer = _text(_("答复意见"), rows=2)
    new_deadline = forms.DateField(label=_("调整后的时限"), required=False, widget=DateInput(),
                                   help_text=_("仅在予以调整且需变更时限时填写"),
                                   error_messages={"invalid": _("请输入有效的日期。")})

    def perform(self) -> str:
        d = self.cleaned_data
        objection: Objection = self.target
        services.do_answer_objection(**self.common(), objection=objection, accept=d["accept"] == "accept",
                                     answer=d["answer"], new_deadline=d["new_deadline"])
        return str(_("已答复异议。"))


class ReportProgressForm(ActionForm):
    action = Action.REPORT_PROGRESS
    text = _text(_("进展情况"), rows=3, help_text=_("牵头单位汇总配合单位情况后统一报送（S1-五(三)）"))

    def perform(self) -> str:
        services.do_report_progress(**self.common(), text=self.cleaned_data["text"])
        return str(_("已报送进展。"))


class ReportUnableForm(ActionForm):
    action = Action.REPORT_UNABLE
    danger = True
    text = _text(_("无法配合的原因"), rows=2)

    def perform(self) -> str:
        services.do_report_unable(**self.common(), text=self.cleaned_data["text"])
        return str(_("已报告无法配合。"))


class RequestExtensionForm(ActionForm):
    action = Action.REQUEST_EXTENSION
    requested_deadline = forms.DateField(label=_("申请延至"), widget=DateInput(attrs={"required": True}),
                                         error_messages={"required": _("请填写申请延至的日期。"),
                                                         "invalid": _("请输入有效的日期。")})
    reason = _text(_("延期理由"), rows=2)

    def perform(self) -> str:
        d = self.cleaned_data
        services.do_request_extension(**self.common(), requested_deadline=d["requested_deadline"],
                                      reason=d["reason"])
        return str(_("已提交延期申请。"))


class DecideExtensionForm(ActionForm):
    action = Action.DECIDE_EXTENSION
    approve = forms.ChoiceField(
        label=_("审批结果"), widget=forms.RadioSelect, initial="approve",
        choices=[("approve", ExtensionRequest.State.APPROVED.label), ("reject", ExtensionRequest.State.REJECTED.label)],
        error_messages={"required": _("请选择审批结果。")},
    )
    note = _text(_("审批意见"), rows=2, ui_required=False, help_text=_("不同意延期时须填写理由"))

    def perform(self) -> str:
        d = self.cleaned_data
        request: ExtensionRequest = self.target
        services.do_decide_extension(**self.common(), request=request, approve=d["approve"] == "approve",
                                     note=d["note"])
        return str(_("已审批延期申请。"))


class ReportCompletionForm(ActionForm):
    action = Action.REPORT_COMPLETION
    text = _text(_("办结情况"), rows=4, help_text=_("报送后由督查室审核（S0-12）"))

    def perform(self) -> str:
        services.do_report_completion(**self.common(), text=self.cleaned_data["text"])
        return str(_("已报送办结，等待督查室审核。"))


class OfficeAcceptForm(ActionForm):
    action = Action.OFFICE_ACCEPT
    opinion = _text(_("审核意见"), rows=2, ui_required=False,
                    help_text=_("问题查清、结论准确、处理到位、按时办结、程序规范（S0-12）"))

    def perform(self) -> str:
        services.do_office_accept(**self.common(), opinion=self.cleaned_data["opinion"])
        return str(_("审核通过，已报领导审阅。"))


class OfficeReturnForm(ActionForm):
    action = Action.OFFICE_RETURN
    danger = True
    reasons = _text(_("退回理由"), rows=3, help_text=_("须书面说明理由；每次退回都计入退回次数（S1-五(五)）"))

    def perform(self) -> str:
        services.do_office_return(**self.common(), reasons=self.cleaned_data["reasons"])
        return str(_("已退回承办单位重办。"))


class LeaderPassForm(ActionForm):
    action = Action.LEADER_PASS
    submit_label = _("审阅通过")
    opinion = _text(_("审阅意见"), rows=2, ui_required=False)
    follow_up = forms.ChoiceField(label=_("后续处理"), choices=list(services.FOLLOW_UPS.items()), initial="none",
                                  widget=forms.RadioSelect, error_messages={"invalid_choice": _("后续处理方式无效。")})

    def perform(self) -> str:
        d = self.cleaned_data
        services.do_leader_pass(**self.common(), opinion=d["opinion"], follow_up=d["follow_up"])
        return str(_("审阅通过，事项已办结。"))


class LeaderResuperviseForm(ActionForm):
    action = Action.LEADER_RESUPERVISE
    danger = True
    reasons = _text(_("再督查理由"), rows=2)

    def perform(self) -> str:
        services.do_leader_resupervise(**self.common(), reasons=self.cleaned_data["reasons"])
        return str(_("已要求再督查。"))


class ArchiveForm(ActionForm):
    action = Action.ARCHIVE
    custodian = PersonChoiceField(label=_("保管人"), queryset=User.objects.none(), empty_label=_("— 请选择 —"),
                                  help_text=_("材料齐全后立卷归档，并明确保管人（S0-14）"),
                                  error_messages={"required": _("请选择保管人。"),
                                                  "invalid_choice": _("保管人须为本辖区督查室人员。")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = office_people(self.item.jurisdiction_id)  # type: ignore[attr-defined]
        self.initial.setdefault("custodian", self.user.pk)

    def perform(self) -> str:
        services.do_archive(**self.common(), custodian=self.cleaned_data["custodian"])
        return str(_("已立卷归档。"))


class AttachForm(ActionForm):
    action = Action.ATTACH
    multipart = True
    file = forms.FileField(label=_("文件"), allow_empty_file=True,
                           error_messages={"required": _("请选择要上传的文件。")})
    step_name = forms.CharField(label=_("所属环节"), required=False, max_length=32,
                                help_text=_("如：交办通知单、工作方案、办结报告"))

    def perform(self) -> str:
        d = self.cleaned_data
        attachment = services.do_attach(actor=self.user, item=self.item, upload=d["file"],
                                        step_name=d["step_name"] or "")
        return str(_("已上传附件「%(name)s」。") % {"name": attachment.original_name})


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    f.action: f
    for f in (
        ApproveForm, DeclineForm, ResubmitForm, AssignForm, ReceiveForm, ObjectForm, AnswerObjectionForm,
        ReportProgressForm, ReportUnableForm, RequestExtensionForm, DecideExtensionForm, ReportCompletionForm,
        OfficeAcceptForm, OfficeReturnForm, LeaderPassForm, LeaderResuperviseForm, ArchiveForm, AttachForm,
    )
}


def action_target(action: Action, item: Item, target_id: int | None) -> Objection | ExtensionRequest | None:
    """The objection or extension request an action answers, if it belongs to ``item``."""
    if target_id is None:
        return None
    if action is Action.ANSWER_OBJECTION:
        return Objection.objects.select_related("assignment__unit").filter(
            pk=target_id, assignment__item=item
        ).first()
    if action is Action.DECIDE_EXTENSION:
        return ExtensionRequest.objects.filter(Q(pk=target_id) & Q(item=item)).first()
    return None


TARGETED = frozenset({Action.ANSWER_OBJECTION, Action.DECIDE_EXTENSION})
