from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from warga.core.pages import service_errors
from warga.core.pagination import paginate
from warga.core.permissions import page_actor, requires
from warga.core.tables import table_response

from . import export as exporting
from . import tables
from .forms import ExportForm, UploadForm
from .selectors import batch_get, batches_for, export_areas
from .services import import_create, issues_csv


@requires("registry.import")
@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest) -> HttpResponseBase:
    actor = page_actor(request)
    if request.method == "GET":
        answer = table_response(request, tables.BATCHES, batches_for(actor=actor))
        if answer is not None:
            return answer
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with service_errors(request, form=form, field="file"):
            batch = import_create(
                actor=actor, source=upload, file_name=upload.name, mode=form.cleaned_data["mode"]
            )
            return redirect("imports:batch", pk=batch.pk)
    page = paginate(request, batches_for(actor=actor), per_page=20)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "page": page, "can_export": actor.can(exporting.EXPORT_CAPABILITY)},
    )


@requires("registry.import")
def batch_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = batch_get(actor=page_actor(request), pk=pk)
    context = {"batch": batch, "issues": batch.issues.all()[:50]}
    if request.headers.get("HX-Request"):
        return render(request, "imports/_progress.html", context)
    return render(request, "imports/batch.html", context)


@requires("registry.import")
def batch_issues_view(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    batch = batch_get(actor=page_actor(request), pk=pk)
    response = StreamingHttpResponse(issues_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kesalahan-impor-{batch.pk}.csv"'
    return response


@requires("registry.import")
def template_view(request: HttpRequest, file_format: str) -> HttpResponse:
    if file_format == "csv":
        response = HttpResponse(exporting.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="templat-impor-penduduk.csv"'
        return response
    if file_format == "xlsx":
        response = HttpResponse(
            exporting.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="templat-impor-penduduk.xlsx"'
        return response
    raise Http404


@requires("registry.export")
@require_http_methods(["GET", "POST"])
def export_view(request: HttpRequest) -> HttpResponseBase:
    """Filters come by POST, so nothing about the people asked for lands in a URL."""
    actor = page_actor(request)
    form = ExportForm(request.POST or None, areas=export_areas(actor=actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filters = exporting.ExportFilters(
            area_code=data["area"],
            sex=data["sex"],
            life_status=data["life_status"],
            min_age=data["min_age"],
            max_age=data["max_age"],
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = f"penduduk-{data['area']}-{stamp}"
        with service_errors(request, form=form):
            if data["file_format"] == "xlsx":
                return FileResponse(
                    exporting.export_xlsx(actor=actor, filters=filters),
                    as_attachment=True,
                    filename=f"{name}.xlsx",
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            response = StreamingHttpResponse(
                exporting.export_csv(actor=actor, filters=filters), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
    return render(request, "imports/export.html", {"form": form})
