from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from warga.api import api
from warga.core import views as core_views
from warga.core.permissions import public
from warga.registry import views as registry_views

handler400 = "warga.core.views.error_400"
handler403 = "warga.core.views.error_403"
handler404 = "warga.core.views.error_404"
handler500 = "warga.core.views.error_500"

urlpatterns = [
    path("healthz", core_views.healthz_view, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", public(set_language), name="set_language"),
    # Residents' pages at short Indonesian addresses (linked from the portal at `/`).
    path("cek-nik/", registry_views.nik_check_view, name="nik_check"),
    path("", include("warga.core.urls")),
    path("", include("warga.accounts.urls")),
    path("audit/", include("warga.audit.urls")),
    path("units/", include("warga.org.urls")),
    path("", include("warga.messaging.urls")),
]

# Domain apps mount their pages here; each owns its urls.py.
for _app, _prefix in [
    ("registry", "registry/"),
    ("imports", "registry/import/"),
    ("dedupe", "registry/duplicates/"),
    ("applications", "applications/"),
    ("cards", "cards/"),
    ("outreach", "outreach/"),
    ("boards", "boards/"),
    ("reports", ""),  # /reports/… for officers, /lapor/… for the public
    ("ppid", "ppid/"),  # /ppid/ the public form and tracking, /ppid/requests/… for officers
    ("stakeholders", "stakeholders/"),
    ("survey", ""),  # /ikm/<token>/ for the resident, /survey/… for officers
    ("facts", "facts/"),  # dashboards; /facts/indikator/ the public indicators
    ("queues", "antrean/"),  # /antrean/ booking, kiosk and call screen; officers' pages below
]:
    try:
        urlpatterns.append(path(_prefix, include(f"warga.{_app}.urls")))
    except ModuleNotFoundError as exc:
        if exc.name != f"warga.{_app}.urls":
            raise

if settings.DEBUG or settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))
