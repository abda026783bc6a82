from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "duban.ledger"
    label = "ledger"
    verbose_name = _("事件台账")

    def ready(self) -> None:
        from . import pg_loaders

        pg_loaders.connect()
