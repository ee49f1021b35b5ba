from django.http import JsonResponse
from django.urls import path

from warga.urls import urlpatterns as warga_urlpatterns


def bare_view(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare_view), *warga_urlpatterns]
