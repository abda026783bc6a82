"""duban's URLs plus a bench-only floor: the same 50 rows straight from raw SQL as JSON."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from duban.urls import urlpatterns as duban_urlpatterns

RAW_SQL = """
SELECT i.id, i.code, i.title, i.level, i.state, i.source, i.deadline, i.deadline_provisional, i.return_count,
       i.next_due_at, u.id, u.name
FROM items_item i
LEFT JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
LEFT JOIN org_unit u ON u.id = a.unit_id
WHERE i.jurisdiction_id = %s AND i.confidential = false
ORDER BY i.id DESC LIMIT 50 OFFSET %s
"""


def raw_items(request: HttpRequest) -> HttpResponse:
    offset = int(request.GET.get("offset", "0"))
    with connection.cursor() as cur:
        cur.execute(RAW_SQL, [int(request.GET["j"]), offset])
        rows = [
            {"id": r[0], "code": r[1], "title": r[2], "level": r[3], "state": r[4], "source": r[5],
             "deadline": r[6].isoformat() if r[6] else None, "deadline_provisional": r[7], "return_count": r[8],
             "next_due_at": r[9].isoformat() if r[9] else None,
             "lead_unit": {"id": r[10], "name": r[11]} if r[10] else None}
            for r in cur.fetchall()
        ]
    return HttpResponse(json.dumps({"items": rows}, ensure_ascii=False), content_type="application/json")


urlpatterns = [path("bench/raw-items", raw_items), *duban_urlpatterns]
