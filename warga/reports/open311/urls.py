"""Open311 routes, mounted with the other case pages (names `reports:open311_…`)."""

from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    regex = "[0-9]{1,10}-[0-9a-f]{1,40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "o311fmt")
register_converter(TokenConverter, "o311token")

urlpatterns = [
    path("open311/discovery.<o311fmt:fmt>", views.discovery_view, name="open311_discovery"),
    path("open311/v2/discovery.<o311fmt:fmt>", views.discovery_view, name="open311_discovery_v2"),
    path("open311/v2/services.<o311fmt:fmt>", views.services_view, name="open311_services"),
    path("open311/v2/services/<slug:code>.<o311fmt:fmt>", views.service_view, name="open311_service"),
    path("open311/v2/requests.<o311fmt:fmt>", views.requests_view, name="open311_requests"),
    path("open311/v2/requests/<int:pk>.<o311fmt:fmt>", views.request_view, name="open311_request"),
    path("open311/v2/tokens/<o311token:token>.<o311fmt:fmt>", views.token_view, name="open311_token"),
]
