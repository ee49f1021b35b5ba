from django.urls import path

from . import bulk_views, emergency_views, pages, views
from .open311 import urls as open311_urls

app_name = "reports"
# Mounted at the site's root (warga/urls.py): staff pages under /reports/, public ones under /lapor/.
urlpatterns = [
    # The 112 desk (before reports/<int:pk>/, which would take "112").
    path("reports/112/", emergency_views.desk_view, name="emergency_desk"),
    path("reports/112/open/", emergency_views.open_list_view, name="emergency_open"),
    path("reports/112/stats/", emergency_views.stats_view, name="emergency_stats"),
    path("reports/112/<int:pk>/", emergency_views.emergency_view, name="emergency"),
    path("reports/112/<int:pk>/dispatch/", emergency_views.dispatch_view, name="emergency_dispatch"),
    path(
        "reports/112/<int:pk>/dispatch/<int:dispatch_id>/time/",
        emergency_views.time_log_view,
        name="emergency_time",
    ),
    path("reports/112/<int:pk>/mark/", emergency_views.mark_view, name="emergency_mark"),
    path("reports/", views.report_list_view, name="list"),
    path("reports/unit/", views.unit_inbox_view, name="unit_inbox"),
    path("reports/bulk/assign/", bulk_views.bulk_assign_view, name="bulk_assign"),
    path("reports/oversee/", views.oversee_view, name="oversee"),
    path("reports/<int:pk>/", views.case_view, name="case"),
    path("reports/<int:pk>/act/", views.case_act_view, name="case_act"),
    path("reports/<int:pk>/photos/<int:photo_id>/", views.case_photo_view, name="case_photo"),
    path("reports/routing/", views.routing_view, name="routing"),
    path("reports/routing/<int:pk>/", views.routing_edit_view, name="routing_edit"),
    path("reports/routing/<int:pk>/delete/", views.routing_delete_view, name="routing_delete"),
    path("reports/<int:pk>/publication/", pages.publication_view, name="publication"),
    path("reports/file/", pages.counter_file_view, name="counter_file"),
    path("reports/export/", pages.export_view, name="export"),
    path("reports/tasks/", pages.tasks_view, name="tasks"),
    path("reports/tasks/<int:pk>/", pages.task_view, name="task"),
    path("reports/tasks/<int:pk>/cancel/", pages.task_cancel_view, name="task_cancel"),
    # Open311 GeoReport v2 (public reads; writes with an API key).
    *open311_urls.urlpatterns,
    path("lapor/", views.public_file_view, name="public_file"),
    path("lapor/daftar/", pages.public_list_view, name="public_list"),
    path("lapor/tautan/<str:token>/", pages.link_view, name="link"),
    path("lapor/tautan/<str:token>/foto/<int:photo_id>/", pages.link_photo_view, name="link_photo"),
    path("lapor/terkirim/", views.public_done_view, name="public_done"),
    path("lapor/lacak/", views.public_track_view, name="public_track"),
]
