"""bench/load (issue #8 "done means"): N concurrent clients (default 50) against a real server for S seconds
(default 60): each client alternates submitting a progress report (POST /api/items/{id}/reports/progress,
two clients per item so writes to one item collide) and reading a list (GET /api/items/ or the /items/ page).
Then it proves that every accepted write (HTTP 200) is in the database exactly once and in the hash-chained
history exactly once, that nothing refused left a row, and that the chain verifies.

Loopback only (127.0.0.1), bounded by --seconds and --max-requests. Prints requests/s, p50/p99, errors.

Usage: DUBAN_DATABASE_URL=postgresql://… python bench/load/bench_load.py [--clients 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

PREFIX = "负载测试报告"


def setup(clients: int) -> list[tuple[str, int]]:
    """A district with clients/2 items, each handed out to one unit with two liaisons. Returns, per client,
    (session key, item id)."""
    from duban.core.lifecycle import Level, Role
    from duban.items import services
    from duban.items.models import Source
    from duban.org.models import Jurisdiction, RoleGrant, Unit, User

    if connection.vendor != "postgresql":
        raise SystemExit("bench/load needs PostgreSQL (DUBAN_DATABASE_URL)")
    stamp = secrets.token_hex(3)
    j = Jurisdiction.objects.create(code=f"LOAD{stamp}", name=f"负载区{stamp}")
    office = Unit.objects.create(jurisdiction=j, code="OFFICE", name="督查室", kind=Unit.Kind.OFFICE)

    def person(name: str, unit: Unit, role: Role) -> User:
        user = User.objects.create(username=f"{name}-{stamp}", full_name=name, jurisdiction=j, unit=unit)
        RoleGrant.objects.create(jurisdiction=j, user=user, role=role)
        return user

    staff = person("督查员", office, Role.OFFICE_STAFF)
    head = person("主任", office, Role.OFFICE_HEAD)
    now = timezone.now() - dt.timedelta(minutes=5)
    sessions: list[tuple[str, int]] = []
    for k in range((clients + 1) // 2):
        unit = Unit.objects.create(jurisdiction=j, code=f"U{k:03d}", name=f"单位{k}", kind=Unit.Kind.DEPARTMENT)
        liaisons = [person(f"联络员{k}-{n}", unit, Role.UNIT_LIAISON) for n in range(2)]
        item = services.do_register(actor=staff, title=f"负载事项{k}", content="内容", source=Source.OTHER,
                                    level=Level.ESPECIALLY_IMPORTANT, now=now)
        services.do_approve(actor=head, item=item, now=now)
        services.do_assign(actor=staff, item=item, lead_unit=unit, deadline=timezone.localdate() + dt.timedelta(60),
                           co_units=[], now=now)
        services.do_receive(actor=liaisons[0], item=item, responsible_leader="王", responsible_section="科",
                            responsible_person="李", now=now)
        for user in liaisons:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            sessions.append((session.session_key or "", item.pk))
    return sessions[:clients]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"write": [], "read": []})
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: list[tuple[str, int]] = field(default_factory=list)  # (text, report id)
    refused: list[str] = field(default_factory=list)  # texts answered with a 4xx (must have left nothing)
    unknown: list[str] = field(default_factory=list)  # transport errors: outcome unknown, checked at most once
    requests: int = 0


def hammer(port: int, sessions: list[tuple[str, int]], seconds: float, max_requests: int,
           tally: Tally | None = None, tag: str = "") -> Tally:
    tally = tally or Tally()
    stop = time.monotonic() + seconds
    csrf = secrets.token_hex(16)  # 32 alphanumerics: a valid unmasked CSRF secret

    def worker(k: int, session_key: str, item_id: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookie = f"sessionid={session_key}; csrftoken={csrf}"
        n = 0
        while time.monotonic() < stop:
            with tally.lock:
                if tally.requests >= max_requests:
                    break
                tally.requests += 1
            write = n % 2 == 0
            text = f"{PREFIX}-{tag}{k}-{n}"
            started = time.perf_counter()
            try:
                if write:
                    body = json.dumps({"text": text}, ensure_ascii=False).encode()
                    conn.request("POST", f"/api/items/{item_id}/reports/progress", body=body, headers={
                        "Cookie": cookie, "X-CSRFToken": csrf, "Content-Type": "application/json"})
                else:
                    path = "/api/items/?limit=50" if n % 4 == 1 else "/items/"
                    conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with tally.lock:
                tally.latencies["write" if write else "read"].append(elapsed)
                tally.statuses[f"{'POST' if write else 'GET'} {status}"] += 1
                if write:
                    if status == 200:
                        tally.accepted.append((text, int(json.loads(payload)["created"]["report"])))
                    elif status == 0:
                        tally.unknown.append(text)
                    else:
                        tally.refused.append(text)
            n += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(k, s, i)) for k, (s, i) in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else 0.0


def prove(tally: Tally) -> list[str]:
    """Every accepted write is in the database once and in the history once; refused ones left nothing."""
    from duban.items.models import Report
    from duban.ledger.chain import verify_chain
    from duban.ledger.models import Event

    problems: list[str] = []
    reports = Counter(Report.objects.filter(text__startswith=PREFIX).values_list("text", flat=True))
    events = Counter(
        Event.objects.filter(kind="report_progress", reason__startswith=PREFIX).values_list("reason", flat=True)
    )
    event_reports = Counter(
        int(r) for r in Event.objects.filter(kind="report_progress", reason__startswith=PREFIX)
        .values_list("data__report", flat=True) if r is not None
    )
    ids = dict(Report.objects.filter(text__startswith=PREFIX).values_list("text", "pk"))
    for text, report_id in tally.accepted:
        if reports[text] != 1:
            problems.append(f"accepted {text} is {reports[text]} times in the reports table")
        if events[text] != 1:
            problems.append(f"accepted {text} is {events[text]} times in the history")
        if ids.get(text) != report_id or event_reports[report_id] != 1:
            problems.append(f"accepted {text}: report id {report_id} not referenced by exactly one event")
    for text in tally.refused:
        if reports[text] or events[text]:
            problems.append(f"refused {text} left a row")
    for text in tally.unknown:
        if reports[text] > 1 or events[text] > 1:
            problems.append(f"unanswered {text} was written twice")
    known = {t for t, _ in tally.accepted} | set(tally.unknown)
    stray = [t for t in reports if t not in known]
    if stray:
        problems.append(f"{len(stray)} reports nobody was told were accepted, e.g. {stray[:3]}")
    broken = verify_chain(Event.objects.order_by("jurisdiction_id", "seq").iterator(chunk_size=5000))
    if broken is not None:
        problems.append(f"ledger chain broken at {broken.jurisdiction_id}/{broken.seq}: {broken.problem}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=16, help="waitress worker threads")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    sessions = setup(args.clients)
    print(f"set up {len(sessions)} signed-in clients on {len(set(i for _, i in sessions))} items "
          f"in {time.perf_counter() - t0:.1f}s")
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), str(port), str(args.threads)],
                              env=os.environ.copy())
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        warm = hammer(port, sessions[:2], 1, 20, tag="warm")  # its writes are checked too
        started = time.monotonic()
        tally = hammer(port, sessions, args.seconds, args.max_requests)
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    total = sum(len(v) for v in tally.latencies.values())
    all_lat = tally.latencies["write"] + tally.latencies["read"]
    errors = sum(n for k, n in tally.statuses.items() if not k.endswith((" 200",)))
    server_errors = sum(n for k, n in tally.statuses.items() if k.endswith((" 0",)) or k.split()[-1].startswith("5"))
    print(f"{len(sessions)} concurrent clients, {wall:.1f} s, waitress {args.threads} threads, PostgreSQL")
    print(f"requests: {total}  ({total / wall:.1f} req/s)   p50 {statistics.median(all_lat) * 1000:.1f} ms   "
          f"p99 {pct(all_lat, 0.99):.1f} ms")
    for kind in ("write", "read"):
        lat = tally.latencies[kind]
        print(f"  {kind:<5} {len(lat):7d}  p50 {statistics.median(lat) * 1000 if lat else 0:.1f} ms   "
              f"p99 {pct(lat, 0.99):.1f} ms")
    print("statuses: " + ", ".join(f"{k}: {n}" for k, n in sorted(tally.statuses.items())))
    print(f"errors (non-200): {errors}   of which server errors / transport failures: {server_errors}")
    print(f"accepted writes: {len(tally.accepted)}, refused: {len(tally.refused)}, unanswered: {len(tally.unknown)}")
    for_proof = Tally(accepted=tally.accepted + warm.accepted, refused=tally.refused + warm.refused,
                      unknown=tally.unknown + warm.unknown)
    problems = prove(for_proof)
    if problems:
        print("INTEGRITY FAILED:")
        for p in problems[:20]:
            print("  " + p)
        raise SystemExit(1)
    print("integrity: every accepted write is in the database exactly once and in the history exactly once; "
          "refused writes left nothing; the ledger chain verifies")


if __name__ == "__main__":
    main()
