from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("account/2fa/", views.second_factor_view, name="second_factor"),
    path("logout/", views.logout_view, name="logout"),
    path("account/2fa/setup/", views.totp_setup_view, name="totp_setup"),
    path("account/tokens/", views.tokens_view, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
