from django.urls import path

from . import views

app_name = "boards"
urlpatterns = [
    path("", views.announcement_list_view, name="list"),
    path("<int:pk>/moderate/", views.announcement_moderate_view, name="moderate"),
    path("<int:pk>/withdraw/", views.announcement_withdraw_view, name="withdraw"),
    path("desa/", views.board_choose_view, name="choose"),
    path("tv/<str:code>/", views.board_tv_view, name="tv"),
    path("feed/<str:code>.json", views.board_feed_view, name="feed"),
]
