"""Nothing is stored that the ledger cannot re-derive: whatever JSON a partner sends, a
request the API accepts verifies afterwards, on SQLite and PostgreSQL alike, and one the
ledger could not keep is refused naming the field."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodiet.ledger import store
from custodiet.records.models import RequestRecord

from .conftest import detective_request

pytestmark = pytest.mark.django_db

# Every JSON value, with numbers at and past the edges JSON readers, PostgreSQL's numeric
# and RFC 8785 disagree on, and text with NUL and lone surrogates.
EDGE_NUMBERS = st.sampled_from(
    [2**53 - 1, 2**53, -(2**53), 1e16, -1e16, 1.5e300, 5e-324, 0.1, -0.0, 1.0, 9007199254740993]
)
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=20) | st.sampled_from(
    ["\x00", "\ud800", "a\udfffb", "=1+1", ""]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | EDGE_NUMBERS
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _body(extra: dict[str, object]) -> bytes:
    # json.dumps writes lone surrogates as \ud800 escapes, as a hostile sender would.
    return json.dumps({**detective_request(), **extra}).encode()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    extra=st.dictionaries(
        TEXT.filter(lambda name: name not in detective_request()), JSON, max_size=3
    )
)
def test_every_request_the_api_accepts_verifies(api, extra):
    answer = api.submit(_body(extra))

    assert answer.status_code in (201, 422), answer.content
    if answer.status_code == 422:
        assert answer.json()["errors"][0]["field"]
    verified = store.verify()
    assert verified.ok, verified.problem


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"n": 1e16}, "n"),
        ({"nested": {"n": -1e16}}, "nested.n"),
        ({"n": 2**53}, "n"),
        ({"tags": ["ok", "\x00"]}, "tags[1]"),
        ({"note": "\ud800"}, "note"),
    ],
)
def test_a_value_the_ledger_cannot_keep_is_refused_naming_the_field(api, extra, field):
    answer = api.submit(_body(extra))

    assert answer.status_code == 422
    assert [problem["field"] for problem in answer.json()["errors"]] == [field]
    assert not RequestRecord.objects.exists()


def test_numbers_within_the_safe_range_are_kept_exactly(api):
    extra = {"n": 2**53 - 1, "f": 1e15, "small": 5e-324}
    answer = api.submit(_body(extra))

    assert answer.status_code == 201
    record = RequestRecord.objects.get()
    record.refresh_from_db()
    assert {key: record.payload[key] for key in extra} == extra
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("ledger verified: ")
