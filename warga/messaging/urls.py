from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("sms/simulator/", views.simulator_view, name="simulator"),
]
