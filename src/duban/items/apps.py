from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItemsConfig(AppConfig):
    name = "duban.items"
    label = "items"
    verbose_name = _("督查事项")

    def ready(self) -> None:
        from duban.workcal.service import year_loaded

        from .recompute import recompute_provisional_deadlines

        if recompute_provisional_deadlines not in year_loaded:
            year_loaded.append(recompute_provisional_deadlines)
