"""The ``duban`` command: every operation an administrator scripts.

``duban <command> [args]`` is Django's ``manage.py`` with duban's settings, plus short names for the
common operations (``serve``, ``demo``, ``import-units`` …) that map onto management commands.
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "serve": "duban_serve",
    "demo": "duban_demo",
    "create-user": "duban_create_user",
    "import-units": "duban_import_units",
    "import-people": "duban_import_people",
    "sweep": "duban_sweep",
    "worker": "duban_worker",
    "calendar": "duban_calendar",
    "replay": "duban_replay",
    "audit": "duban_audit",
    "urging-policy": "duban_urging_policy",
    "backup": "duban_backup",
    "restore": "duban_restore",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ALIASES:
        args[1] = ALIASES[args[1]]
    args[0] = "duban"
    from django.core.management import execute_from_command_line

    from duban import runtime

    runtime.setup()
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
