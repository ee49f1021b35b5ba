from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.upload_view, name="upload"),
    path("<int:pk>/", views.batch_view, name="batch"),
    path("<int:pk>/errors.csv", views.batch_issues_view, name="issues"),
    path("template.<str:file_format>", views.template_view, name="template"),
    path("export/", views.export_view, name="export"),
]
