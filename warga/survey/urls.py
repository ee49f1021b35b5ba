from django.urls import path

from . import views

app_name = "survey"
# Mounted at / (warga/urls.py): the residents' answer page at a short Indonesian address, the
# officers' pages under /survey/.
urlpatterns = [
    path("ikm/<str:token>/", views.answer_view, name="answer"),
    path("survey/", views.index_view, name="index"),
    path("survey/export.<str:fmt>", views.export_view, name="export"),
]
