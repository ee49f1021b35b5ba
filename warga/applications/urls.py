from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("new/", views.new_view, name="new"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/transition/", views.transition_view, name="transition"),
    path("<int:pk>/signature/", views.signature_view, name="signature"),
    path("<int:pk>/attach/<slug:requirement>/", views.attach_view, name="attach"),
    path("<int:pk>/documents/<int:attachment_id>/", views.attachment_view, name="attachment"),
    path("<int:pk>/receipt.pdf", views.receipt_view, name="receipt"),
    path("<int:pk>/document.pdf", views.document_view, name="document"),
    path("batches/send/", views.batch_send_view, name="batch_send"),
    path("batches/dispatch/", views.batch_dispatch_view, name="batch_dispatch"),
    path("batches/<int:batch_id>/receive/", views.batch_receive_view, name="batch_receive"),
    path("services/", views.services_view, name="services"),
    path("services/<slug:code>/", views.service_edit_view, name="service_edit"),
    path("rollout/", views.rollout_view, name="rollout"),
    path("paper/", views.paper_view, name="paper"),
    path("stats/", views.stats_view, name="stats"),
    # Public pages (no login)
    path("apply/", views.apply_choose_view, name="apply"),
    path("apply/done/", views.apply_done_view, name="apply_done"),
    path("apply/receipt.pdf", views.apply_receipt_view, name="apply_receipt"),
    path("apply/<slug:code>/", views.apply_view, name="apply_service"),
    path("track/", views.track_form_view, name="track"),
    path("track/<str:code>/", views.track_detail_view, name="track_detail"),
    path("track/<str:code>/resubmit/", views.track_resubmit_view, name="track_resubmit"),
    path("verify/", views.verify_form_view, name="verify"),
    path("verify/<str:number>/<str:token>/", views.verify_detail_view, name="verify_detail"),
]
