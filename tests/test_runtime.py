"""duban.runtime: a duban process freezes its start-up heap (the collector skips it) and still
collects everything it creates afterwards."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_freezing_the_start_up_heap_keeps_collecting_later_garbage() -> None:
    from duban import runtime

    gc.unfreeze()  # whatever an earlier test froze
    assert gc.get_freeze_count() == 0
    frozen = runtime.freeze_startup_heap()
    assert frozen > 1000 and gc.get_freeze_count() > 1000  # Django, the models, the test session
    # (frozen objects can still be freed by reference counting: the count may drop by the time it is read)
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    alive = weakref.ref(a)
    del a, b
    gc.collect()
    assert alive() is None
    assert runtime.freeze_startup_heap() > 1000  # again: only what exists since is added


def test_the_duban_command_and_wsgi_freeze_after_set_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = (
        "import gc, os, sys\n"
        "os.environ['DUBAN_DATA_DIR'] = sys.argv[1]\n"
        "import duban.wsgi\n"
        "print(gc.get_freeze_count())\n"
        "print(int('duban.urls' in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True)
    frozen, populated = out.stdout.split()
    assert int(frozen) > 50_000 and populated == "1"  # the URL conf was loaded before freezing
    cli = subprocess.run(
        [sys.executable, "-c", "import gc, sys; from duban import cli; cli.main(['duban', 'check']); "
         "print(gc.get_freeze_count())"], capture_output=True, text=True, check=True,
        env={**__import__("os").environ, "DUBAN_DATA_DIR": str(tmp_path)})
    assert int(cli.stdout.split()[-1]) > 50_000
