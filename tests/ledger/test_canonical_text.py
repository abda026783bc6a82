"""The ledger's shortcuts to an event's canonical JSON (SPEC §8: the hash chain covers exactly what is
stored) give byte for byte what the reference encoding gives: the flat-document writer, the moment's
text cache and the digest written as one template."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from duban.ledger import chain


class Channel(enum.StrEnum):
    RED = "red"
    BLUE = "蓝"


ZONES = [dt.UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), dt.timezone(dt.timedelta(hours=-3))]
leaves = st.one_of(
    st.text(max_size=30), st.integers(min_value=-(10**20), max_value=10**20), st.booleans(), st.none(),
    st.dates(), st.datetimes(timezones=st.sampled_from(ZONES)), st.datetimes(),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(Channel),
)
documents = st.dictionaries(st.text(max_size=12), st.one_of(
    leaves, st.lists(leaves, max_size=3), st.lists(leaves, max_size=3).map(tuple),
    st.lists(st.lists(leaves, max_size=2), max_size=2)), max_size=10)


def reference(value: dict[str, Any]) -> str:
    return chain._encode(chain._jsonable(value))


@given(documents)
def test_SPEC_8_canonical_text_of_any_document_is_the_reference_encoding(value: dict[str, Any]) -> None:
    assert chain._canon_text(value) == reference(value)
    stored, text = chain._canon(value)
    assert text == reference(value)
    assert stored == chain._jsonable(value) == json.loads(text)


def test_flat_writer_takes_the_flat_documents_and_leaves_the_others() -> None:
    moment = dt.datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert chain._flat_text({"due": moment, "late": False, "report": 5}) == (
        '{"due":"2026-03-02 09:00:00+08:00","late":false,"report":5}', False)
    assert chain._flat_text({"state": "已交办"}) == ('{"state":"已交办"}', True)
    assert chain._flat_text({"ratio": 0.5}) is None  # floats go to the encoder
    assert chain._flat_text({1: "a", "b": 2}) is None  # keys that do not sort together
    assert chain._flat_text({"co_units": [3, 4], "none": []}) == ('{"co_units":[3,4],"none":[]}', True)
    assert chain._flat_text({"pair": (1, "a")}) == ('{"pair":[1,"a"]}', False)  # stored as a list
    assert chain._flat_text({"channel": Channel.RED}) == ('{"channel":"red"}', False)  # stored as str
    assert chain._flat_text({"nested": [[1]]}) is None
    assert chain._flat_text({"dates": [dt.date(2026, 1, 1)]}) is None
    assert chain._flat_text({str(k): k for k in range(chain._FLAT_MAX_KEYS + 1)}) is None


@given(st.datetimes(timezones=st.sampled_from(ZONES)))
def test_SPEC_8_the_moment_text_cache_answers_per_instant(moment: dt.datetime) -> None:
    expected = chain._value(moment.astimezone(dt.UTC).isoformat())
    assert chain._at_text(moment) == expected
    assert chain._at_text(moment) == expected  # the cached answer
    assert chain._at_text(moment.replace(fold=1 - moment.fold)) == chain._value(
        moment.replace(fold=1 - moment.fold).astimezone(dt.UTC).isoformat())


def test_SPEC_8_ambiguous_local_times_are_told_apart_by_fold() -> None:
    """2026-11-01 01:30 happens twice in New York; the two instants get their own texts."""
    first = dt.datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second  # same zone: compared without fold
    assert chain._at_text(first) == '"2026-11-01T05:30:00+00:00"'
    assert chain._at_text(second) == '"2026-11-01T06:30:00+00:00"'
