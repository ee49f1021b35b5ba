from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("sms/simulator/", views.simulator_view, name="simulator"),
    path("sms/broadcasts/", views.broadcast_list_view, name="broadcasts"),
    path("sms/broadcasts/new/", views.broadcast_create_view, name="broadcast_create"),
    path("sms/broadcasts/<int:pk>/", views.broadcast_detail_view, name="broadcast_detail"),
    path("sms/broadcasts/<int:pk>/<str:action>/", views.broadcast_decide_view, name="broadcast_decide"),
    path("sms/stats/", views.stats_view, name="stats"),
    path("sms/invitations/", views.invitation_list_view, name="invitations"),
    path("sms/invitations/<int:pk>/<str:action>/", views.invitation_decide_view, name="invitation_decide"),
]
