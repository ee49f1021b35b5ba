import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warga.settings")
django_application = get_wsgi_application()

# What every worker needs soon is built before it takes requests.
from warga.core.workdays import national_holidays_preload  # noqa: E402

national_holidays_preload()

# Kannel's delivery reports (one per message sent) skip the page middleware; see
# warga/messaging/callbacks.py. Everything else is Django as usual.
from warga.messaging.callbacks import KannelCallbackApp  # noqa: E402

application = KannelCallbackApp(django_application)
