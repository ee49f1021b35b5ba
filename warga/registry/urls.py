from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("export/", views.search_export_view, name="search_export"),
    path("residents/new/", views.resident_new_view, name="resident_new"),
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
    path("families/<int:pk>/address/", views.family_address_view, name="family_address"),
    path("families/<int:pk>/members/new/", views.resident_new_view, name="family_member_new"),
    path("families/<int:pk>/members/add/", views.family_member_add_view, name="family_member_add"),
    path("families/<int:pk>/members/remove/", views.family_member_remove_view, name="family_member_remove"),
    path("families/<int:pk>/split/", views.family_split_view, name="family_split"),
    path("move-in/", views.move_in_view, name="move_in"),
    path("phone-drive/", views.drive_view, name="drive"),
    path("statistics/", views.stats_view, name="stats"),
    path("statistics/export.csv", views.stats_export_view, name="stats_export"),
]
