from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UrgingConfig(AppConfig):
    name = "duban.urging"
    label = "urging"
    verbose_name = _("催办")
