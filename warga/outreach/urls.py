from django.urls import path

from . import move_views, views

app_name = "outreach"
urlpatterns = [
    path("", views.events_view, name="events"),
    path("events/new/", views.event_create_view, name="event_create"),
    path("events/<int:pk>/", views.event_view, name="event"),
    path("events/<int:pk>/<str:action>/", views.event_action_view, name="event_action"),
    path("events/<int:pk>/targets/move/", move_views.targets_move_view, name="targets_move"),
    path("teams/", views.teams_view, name="teams"),
    path("planner/", views.planner_view, name="planner"),
    path("results/", views.results_view, name="results"),
    path("devices/", views.devices_view, name="devices"),
    path("devices/<int:pk>/revoke/", views.device_revoke_view, name="device_revoke"),
    path("review/", views.review_view, name="review"),
    path("moved/", views.moved_notices_view, name="moved"),
    path("assignments/<int:pk>/extend/", views.assignment_extend_view, name="assignment_extend"),
    path("app/", views.app_view, name="app"),
    path("app/sw.js", views.service_worker_view, name="sw"),
    path("app/manifest.webmanifest", views.manifest_view, name="manifest"),
]
