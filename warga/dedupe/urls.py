from django.urls import path

from . import views

app_name = "dedupe"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("<int:pk>/", views.candidate_view, name="candidate"),
    path("<int:pk>/reject/", views.reject_view, name="reject"),
]
