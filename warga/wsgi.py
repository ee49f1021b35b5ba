import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warga.settings")
django_application = get_wsgi_application()

# What every worker needs soon is built before it takes requests: the URL configuration (which
# imports every page's and the API's code) and the holiday calendar.
from django.urls import get_resolver  # noqa: E402

from warga.core.workdays import national_holidays_preload  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - loads the URL configuration now
national_holidays_preload()
logging.getLogger("warga.web").info("web process %d ready", os.getpid())

# Kannel's delivery reports (one per message sent) skip the page middleware; see
# warga/messaging/callbacks.py. Everything else is Django as usual.
from warga.messaging.callbacks import KannelCallbackApp  # noqa: E402

application = KannelCallbackApp(django_application)
