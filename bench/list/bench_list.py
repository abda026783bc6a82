"""bench/list: the item list API over 100,000 items in PostgreSQL vs a raw SQL endpoint serving the same
rows from the same server process, in the same run. Prints p50/p99 and requests/s and the ratio.

Usage: DUBAN_DATABASE_URL=postgresql://… python bench/list/bench_list.py [--items 100000] [--clients 8] [--seconds 15]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def load(n: int) -> tuple[int, str]:
    from duban.core.lifecycle import Role
    from duban.org.models import Jurisdiction, RoleGrant, Unit, User

    with connection.cursor() as cur:
        cur.execute("TRUNCATE items_assignment, items_item RESTART IDENTITY CASCADE")
    j, _ = Jurisdiction.objects.get_or_create(code="LISTBENCH", defaults={"name": "基准区"})
    office, _ = Unit.objects.get_or_create(jurisdiction=j, code="OFFICE",
                                           defaults={"name": "督查室", "kind": Unit.Kind.OFFICE})
    for k in range(40):
        Unit.objects.get_or_create(jurisdiction=j, code=f"U{k:02d}",
                                   defaults={"name": f"单位{k}", "kind": "department"})
    user, created = User.objects.get_or_create(username="listbench", defaults={"jurisdiction": j, "unit": office})
    if created:
        RoleGrant.objects.create(jurisdiction=j, user=user, role=Role.OFFICE_STAFF)
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM org_unit WHERE jurisdiction_id=%s AND code LIKE 'U%%'", [j.pk])
        umin, umax = cur.fetchone()
        cur.execute(
            """INSERT INTO items_item (jurisdiction_id, code, title, content, source, source_detail, level, state,
                 confidential, requirements, channel, deadline, deadline_provisional, registered_by_id, registered_at,
                 assigned_at, return_count, resupervise_count, next_due_at, key_supervision, version)
               SELECT %(j)s, 'L' || g, '基准事项 ' || g, '内容',
                 (ARRAY['gov_meeting','npc_cppcc','key_project'])[1 + g %% 3],
                 '', (ARRAY['especially','fairly','generally'])[1 + g %% 3],
                 (ARRAY['in_progress','assigned','closed','archived'])[1 + g %% 4], g %% 97 = 0, '', 'platform',
                 DATE '2026-12-31' - (g %% 200), false, %(u)s, now(), now(), g %% 3, 0, NULL, false, 1
               FROM generate_series(1, %(n)s) g""", {"j": j.pk, "u": user.pk, "n": n})
        for role, offset in (("lead", 0), ("co", 7)):
            cur.execute(
                """INSERT INTO items_assignment (jurisdiction_id, item_id, unit_id, role, part, state,
                     responsible_leader, responsible_section, responsible_person, responsible_phone, work_plan)
                   SELECT jurisdiction_id, id, %(umin)s + ((id + %(off)s) %% (%(umax)s - %(umin)s + 1)), %(role)s, '',
                     'received', '', '', '', '', '' FROM items_item""",
                {"umin": umin, "umax": umax, "off": offset, "role": role})
        cur.execute("ANALYZE")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return j.pk, session.session_key or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hammer(port: int, paths: list[str], cookie: str, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        i = k
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", paths[i % len(paths)], headers={"Cookie": cookie})
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200 or not body:
                with lock:
                    errors[0] += 1
            i += clients
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def report(name: str, latencies: list[float], errors: int, seconds: float) -> float:
    latencies.sort()
    rate = len(latencies) / seconds
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"{name:<28} {rate:8.1f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   errors {errors}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    jurisdiction_id, session_key = load(args.items)
    print(f"loaded {args.items} items (+ lead and co assignments) in {time.perf_counter() - t0:.1f}s")
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), str(port)], env=os.environ.copy())
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = f"sessionid={session_key}"
        offsets = [k * 50 for k in range(200)]
        api = [f"/api/items/?limit=50&offset={o}" for o in offsets]
        raw = [f"/bench/raw-items?j={jurisdiction_id}&offset={o}" for o in offsets]
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", api[1], headers={"Cookie": cookie})
        sample = json.loads(conn.getresponse().read())
        rows = sample.get("items", sample if isinstance(sample, list) else [])
        assert len(rows) == 50, sample
        hammer(port, api[:20] + raw[:20], cookie, args.clients, 2)  # warm up both
        print(f"{args.clients} concurrent clients, {args.seconds:.0f} s each, 50 rows per page, waitress 8 threads")
        raw_rate = report("raw SQL endpoint (floor)", *hammer(port, raw, cookie, args.clients, args.seconds),
                          args.seconds)
        api_rate = report("duban /api/items/", *hammer(port, api, cookie, args.clients, args.seconds),
                          args.seconds)
        print(f"ratio API / raw: {api_rate / raw_rate:.2f}x (goal >= 0.7x)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
