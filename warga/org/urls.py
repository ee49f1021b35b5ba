from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.unit_list_view, name="unit_list"),
    path("<int:unit_id>/", views.unit_edit_view, name="unit_edit"),
]
