from django.http import JsonResponse
from django.urls import path

from warga.core.permissions import ACCESS_ATTR, Access
from warga.urls import urlpatterns as warga_urlpatterns


def bare_view(request):
    return JsonResponse({"ok": True})


# Declared public without the page wrapper, so the raw limit stays a bare view.
setattr(bare_view, ACCESS_ATTR, Access(public=True))

urlpatterns = [path("bench/bare", bare_view), *warga_urlpatterns]
