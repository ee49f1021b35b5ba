from django.urls import path

from . import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("account/2fa/", views.second_factor_view, name="second_factor"),
    path("logout/", views.logout_view, name="logout"),
    path("account/2fa/setup/", views.totp_setup_view, name="totp_setup"),
    path("account/2fa/backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("account/tokens/", views.tokens_view, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("staff/", staff_views.staff_list_view, name="staff_list"),
    path("staff/new/", staff_views.staff_create_view, name="staff_create"),
    path("staff/<int:user_id>/", staff_views.staff_edit_view, name="staff_edit"),
    path("staff/<int:user_id>/<slug:action>/", staff_views.staff_action_view, name="staff_action"),
]
