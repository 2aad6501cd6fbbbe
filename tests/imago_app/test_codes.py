from hypothesis import given
from hypothesis import strategies as st

from imago_app import codes


def test_it_makes_ten_characters_from_the_readable_alphabet():
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == 10
        assert set(code) <= set(codes.ALPHABET)


def test_it_does_not_repeat_codes():
    assert len({codes.new_code() for _ in range(5000)}) == 5000


def test_it_shows_a_code_in_two_groups_of_five():
    assert codes.display("7KQM2XPD4R") == "7KQM2-XPD4R"


def test_it_forgives_case_spaces_dashes_and_lookalike_letters():
    assert codes.normalize(" 7kqm2-xpd4r ") == "7KQM2XPD4R"
    assert codes.normalize("7KQM2 XPD4R") == "7KQM2XPD4R"
    assert codes.normalize("OOIIL-00111") == "0011100111"


def test_it_refuses_what_cannot_be_a_code():
    for typed in ["", "12345", "7KQM2-XPD4R-EXTRA", "7KQM2-XPD4U", "7KQM2;XPD4R", "✓✓✓✓✓✓✓✓✓✓"]:
        assert codes.normalize(typed) is None


@given(st.text(max_size=40))
def test_it_normalizes_anything_to_a_code_or_none(typed):
    result = codes.normalize(typed)
    assert result is None or (len(result) == 10 and set(result) <= set(codes.ALPHABET))


@given(st.text(alphabet=codes.ALPHABET, min_size=10, max_size=10))
def test_it_reads_back_every_displayed_code(code):
    assert codes.normalize(codes.display(code)) == code
    assert codes.normalize(codes.display(code).lower()) == code
