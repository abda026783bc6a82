from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def as_user() -> Any:
    from tests.factories import client_for

    return client_for
