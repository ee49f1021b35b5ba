from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("residents/<int:pk>/", views.resident_view, name="resident"),
    path("residents/<int:pk>/edit/", views.resident_edit_view, name="resident_edit"),
    path("residents/<int:pk>/death/", views.death_view, name="death"),
    path("residents/<int:pk>/move/", views.move_view, name="move"),
    path("residents/<int:pk>/marriage/", views.marriage_view, name="marriage"),
    path("residents/<int:pk>/divorce/", views.divorce_view, name="divorce"),
    path("residents/<int:pk>/phones/add/", views.phone_add_view, name="phone_add"),
    path("phones/<int:pk>/verify/", views.phone_verify_view, name="phone_verify"),
    path("families/<int:pk>/", views.family_view, name="family"),
    path("families/<int:pk>/birth/", views.birth_view, name="birth"),
    path("move-in/", views.move_in_view, name="move_in"),
    path("phone-drive/", views.drive_view, name="drive"),
    path("statistics/", views.stats_view, name="stats"),
    path("statistics/export.csv", views.stats_export_view, name="stats_export"),
]
