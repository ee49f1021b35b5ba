from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires
from warga.core.tables import Filter, table_response

from . import tables
from .forms import ConfirmForm, RejectForm
from .models import CandidateStatus
from .selectors import candidate_get, candidate_open, queue
from .services import duplicate_confirm, duplicate_reject, explain

COMPARED = (
    ("nik", gettext_lazy("NIK")), ("full_name", gettext_lazy("Full name")), ("birth_place", gettext_lazy("Place of birth")),
    ("birth_date", gettext_lazy("Date of birth")), ("sex", gettext_lazy("Sex")), ("mother_name", gettext_lazy("Mother's name")),
    ("father_name", gettext_lazy("Father's name")), ("desa", gettext_lazy("Desa/kelurahan")), ("address", gettext_lazy("Address")),
    ("family", gettext_lazy("KK number")), ("relationship", gettext_lazy("Relationship to head")),
)  # fmt: skip


def _value(resident, field: str) -> str:  # type: ignore[no-untyped-def]
    if field == "desa":
        return resident.desa.display_name
    if field == "family":
        return resident.family.kk_number if resident.family_id else "—"
    if field == "sex":
        return resident.get_sex_display()
    if field == "relationship":
        return resident.get_relationship_display() or "—"
    if field == "birth_date":
        return resident.birth_date.strftime("%d-%m-%Y")
    return getattr(resident, field) or "—"


@requires("registry.dedupe")
def queue_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    status = request.GET.get("status", CandidateStatus.OPEN)
    if status not in CandidateStatus.values:
        status = CandidateStatus.OPEN
    qs = queue(actor=actor, status=status)
    shown = [Filter("status", _("Show"), CandidateStatus(status).label, status)]
    answer = table_response(request, tables.CANDIDATES, qs, filters=shown)
    if answer is not None:
        return answer
    page = paginate(request, qs, per_page=25)
    return render(
        request, "dedupe/queue.html", {"page": page, "status": status, "statuses": CandidateStatus.choices}
    )


@requires("registry.dedupe")
@require_http_methods(["GET", "POST"])
def candidate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    candidate = candidate_get(actor=actor, pk=pk)
    a, b = candidate.resident_a, candidate.resident_b
    choices = [(str(a.pk), a.nik), (str(b.pk), b.nik)]
    confirm = ConfirmForm(request.POST or None, choices=choices, initial={"keep": str(a.pk)})
    if request.method == "POST" and confirm.is_valid():
        with service_errors(request, form=confirm):
            duplicate_confirm(
                actor=actor,
                candidate=candidate,
                keep=int(confirm.cleaned_data["keep"]),
                reason=confirm.cleaned_data["reason"],
            )
            messages.success(request, _("The records were merged. The other NIK is retired."))
            return redirect("dedupe:queue")
    candidate_open(actor=actor, candidate=candidate)
    rows = [
        {
            "label": label,
            "a": _value(a, field),
            "b": _value(b, field),
            "same": _value(a, field) == _value(b, field),
        }
        for field, label in COMPARED
    ]
    context = {
        "candidate": candidate,
        "a": a,
        "b": b,
        "rows": rows,
        "components": explain(candidate.components),
        "confirm": confirm,
        "reject": RejectForm(),
    }
    return render(request, "dedupe/candidate.html", context)


@requires("registry.dedupe")
@require_POST
def reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = page_actor(request)
    candidate = candidate_get(actor=actor, pk=pk)
    form = RejectForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    with service_errors(request):
        duplicate_reject(actor=actor, candidate=candidate, note=note)
        messages.success(request, _("Marked as two different people. This pair will not be proposed again."))
        return redirect("dedupe:queue")
    return redirect("dedupe:candidate", pk=pk)
