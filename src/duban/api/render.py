"""JSON rendering shared by the API: UTF-8 Chinese as is (not ``\\uXXXX``), ninja's encoder for dates."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """A JSON response built without schema validation (for hot paths whose rows are already typed)."""
    body = json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")

