from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def warga_deploy_checks(app_configs, **kwargs):
    problems = []
    if settings.SMS_GATEWAY == "kannel" and not settings.KANNEL_CALLBACK_SECRET:
        problems.append(Error("KANNEL_CALLBACK_SECRET must be set when SMS_GATEWAY=kannel.", id="warga.E001"))
    return problems
