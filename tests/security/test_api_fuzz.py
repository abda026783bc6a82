"""The API fuzzed with schemathesis against its own OpenAPI (/api/openapi.json), signed in as office staff
and as a unit liaison (issue #8 "done means"): no input gives a 500. Every operation gets a bounded number
of generated cases (positive and negative data); the whole run stays well under a minute."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from hypothesis import HealthCheck, given, settings

from duban.wsgi import application
from tests.factories import District
from tests.web.conftest import received

CSRF = "a" * 32
EXAMPLES = 3


def _cookies(user: Any) -> dict[str, str]:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "duban.accounts.backends.LockoutBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"sessionid": session.session_key or "", "csrftoken": CSRF}


@pytest.fixture
def _keep_connection() -> Any:
    """Calling the WSGI app directly fires request_started/finished, which would close the test's connection
    (Django's own test client avoids that the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_connection")
def test_api_never_answers_500(district: District) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    received(district)
    signed_in = [_cookies(district.alice), _cookies(district.ursula)]
    statuses: list[int] = []
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            for cookies in signed_in:
                response = case.call(cookies=cookies, headers={"X-CSRFToken": CSRF})
                statuses.append(response.status_code)
                if response.status_code >= 500 or response.status_code == 401:
                    failures.append(f"{case.method} {case.formatted_path} body={case.body!r} query={case.query!r}"
                                    f" → {response.status_code}: {response.text[:300]}")

        fuzz()
    assert failures == []
    assert 200 in statuses and any(400 <= s < 500 for s in statuses)  # both accepted and refused inputs were sent
