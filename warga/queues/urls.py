from django.urls import path

from . import views

app_name = "queues"
# Mounted at /antrean/ (warga/urls.py): the public pages at Indonesian addresses, officers' pages below.
urlpatterns = [
    path("", views.public_offices_view, name="public"),
    path("pesan/<int:office_id>/", views.public_book_view, name="book"),
    path("terpesan/", views.public_booked_view, name="booked"),
    path("batal/", views.public_cancel_view, name="cancel"),
    path("kios/<str:token>/", views.kiosk_view, name="kiosk"),
    path("kios/<str:token>/tiket/<int:ticket_id>/", views.kiosk_ticket_view, name="kiosk_ticket"),
    path("layar/<int:office_id>/", views.screen_view, name="screen"),
    path("layar/<int:office_id>/feed.json", views.screen_feed_view, name="screen_feed"),
    path("kantor/", views.offices_view, name="offices"),
    path("kantor/baru/", views.office_new_view, name="office_new"),
    path("kantor/<int:pk>/", views.office_view, name="office"),
    path("kantor/<int:pk>/tiket/", views.desk_issue_view, name="desk_issue"),
    path("kantor/<int:pk>/batal/", views.booking_cancel_view, name="booking_cancel"),
    path("kantor/<int:pk>/pemesanan/", views.office_bookings_view, name="bookings"),
    path("kantor/<int:pk>/atur/", views.office_manage_view, name="manage"),
    path("loket/<int:pk>/", views.counter_view, name="counter"),
    path("loket/<int:pk>/aksi/", views.counter_act_view, name="counter_act"),
    path("tiket/<int:pk>/", views.ticket_view, name="ticket"),
    path("statistik/", views.stats_view, name="stats"),
]
