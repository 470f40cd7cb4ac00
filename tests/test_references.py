"""The reference normaliser: every written form in domain.md, and no input ever raises."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secbot.references import BareNumber, Ref, find_references, parse_reference


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("DP162", "DP162"),
        ("MP161", "MP161"),
        ("mp 161", "MP161"),
        ("MP-161", "MP161"),
        ("MP122A", "MP122A"),
        ("mp 122a", "MP122A"),
        ("SECMP0007", "SECMP0007"),
        ("SECMP7", "SECMP0007"),
        ("SECMP07", "SECMP0007"),
        ("secmp 7", "SECMP0007"),
        ("SECMP-23", "SECMP0023"),
        ("https://www.smartenergycodecompany.co.uk/modifications/modification/SECMP-23", "SECMP0023"),
        ("MPO78", "MP078"),
        ("MPO078", "MP078"),
        ("MPQ77", "MP077"),
        ("MP0O90", "MP090"),
        ("SECMPO0067", "SECMP0067"),
        ("[D165", "DP165"),
        ("D165", "DP165"),
        ("MP161?", "MP161"),
    ],
)
def test_every_written_form_normalises(typed, expected):
    parsed = parse_reference(typed)
    assert isinstance(parsed, Ref)
    assert parsed.text == expected


def test_a_bare_number_leaves_the_family_to_the_register():
    assert parse_reference("161") == BareNumber(161)
    assert parse_reference("0026").candidates() == [Ref("SECMP", 26)]
    assert [r.text for r in parse_reference("161").candidates()] == ["MP161", "DP161", "SECMP0161"]


@pytest.mark.parametrize("text", ["", "hello", "MP", "MPO", "search firmware", "MP 16 1", "http://", "MP0"])
def test_non_references_are_none(text):
    assert parse_reference(text) is None


def test_references_inside_free_text():
    found = find_references("who raised DP113? compare mp 161, SECMP-23 and MPO78 (not MAP ID)")
    assert [r.text for r in found] == ["DP113", "MP161", "SECMP0023", "MP078"]


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_no_input_raises(text):
    parse_reference(text)
    find_references(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["DP", "MP", "SECMP", "mp ", "secmp-", "Mp-"]),
    st.integers(1, 9999),
    st.sampled_from(["", "A", "b"]),
)
def test_generated_references_round_trip(prefix, number, suffix):
    parsed = parse_reference(f"{prefix}{number}{suffix}")
    assert isinstance(parsed, Ref)
    assert parsed.number == number and parsed.suffix == suffix.upper()
    assert parse_reference(parsed.text) == parsed
