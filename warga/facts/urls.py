from django.urls import path

from . import views

app_name = "facts"
# Mounted at /facts/ (warga/urls.py); the public indicators at /facts/indikator/.
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export/", views.export_view, name="export"),
    path("ringkasan/", views.subscription_view, name="subscription"),
    path("indikator/", views.public_view, name="public"),
]
