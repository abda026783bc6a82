"""The demo's inspections: a patrol through the lists, a drawn team, one accountability case in progress."""

from __future__ import annotations

import pytest

from duban.accountability.models import Case
from duban.demo.builder import build
from duban.inspections.models import Entry, Inspection, TeamMember, Urge

pytestmark = pytest.mark.django_db


def test_demo_patrol_team_lists_and_case() -> None:
    build()
    patrol = Inspection.objects.get(kind="patrol")
    assert patrol.state == "done" and patrol.team_request.seed is not None
    states = set(Entry.objects.filter(inspection=patrol).values_list("state", flat=True))
    assert {"closed", "rectifying", "problem"} <= states
    late = Entry.objects.get(inspection=patrol, key_supervision=True)
    assert Urge.objects.filter(deadline__entry=late).exists()
    case = Case.objects.get(source_entry=late)
    assert case.state == "proposing" and case.verification_skipped
    # Recusal: nobody from 城管局 or linked to 住建局 is on the patrol of those units.
    members = TeamMember.objects.filter(inspection=patrol).select_related("inspector__unit")
    assert members.count() == 5
    for m in members:
        assert m.inspector.unit is None or m.inspector.unit.code not in ("CGJ", "ZJJ")
        assert not m.inspector.linked_units.filter(code__in=["CGJ", "ZJJ"]).exists()
    assert Inspection.objects.get(kind="inspection").state == "approved"
