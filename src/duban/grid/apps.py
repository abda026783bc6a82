from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "duban.grid"
    label = "grid"
    verbose_name = _("社区网格化管理")
