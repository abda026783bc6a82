"""``duban import-people FILE.xlsx [--jurisdiction CODE] [--dry-run]``: all-or-nothing Excel import."""

from __future__ import annotations

from duban.org.importing import import_people
from duban.org.management.importcommand import ImportCommand, Importer


class Command(ImportCommand):
    def importer(self) -> Importer:
        return import_people
