from django.urls import path

from . import views

app_name = "stakeholders"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.new_view, name="new"),
    path("import/", views.import_view, name="import"),
    path("export/", views.export_view, name="export"),
    path("sms/", views.broadcast_view, name="broadcast"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/archive/", views.archive_view, name="archive"),
]
