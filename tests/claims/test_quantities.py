"""The quantity parser on real phrases from the debate, and the interval comparison."""

import pytest

from claims.errors import QuantityError
from claims.quantities import compatible, format_quantity, parse_quantity

REAL_PHRASES = [
    # phrase, value, value_max, unit, qualifier
    ("$5.6M", 5_600_000, None, "USD", None),
    ("$5.576M", 5_576_000, None, "USD", None),
    ("5.6 million dollars", 5_600_000, None, "USD", None),
    ("$600B", 600e9, None, "USD", None),
    ("$60-80B", 60e9, 80e9, "USD", None),
    ("$1bn+", 1e9, None, "USD", "more than"),
    ("$3.5 - $4.5B", 3.5e9, 4.5e9, "USD", None),
    ("~$191M", 191e6, None, "USD", "about"),
    ("$7T", 7e12, None, "USD", None),
    ("50k", 50_000, None, "count", None),
    ("50,000", 50_000, None, "count", None),
    ("about 50,000", 50_000, None, "count", "about"),
    ("closer to 50,000 NVIDIA Hopper GPUs", 50_000, None, "GPU", "closer to"),
    ("2,048", 2048, None, "count", None),
    ("2,048 Nvidia GPUs", 2048, None, "GPU", None),
    ("10,000 A100 GPUs", 10_000, None, "GPU", None),
    ("50,000 H100s", 50_000, None, "GPU", None),
    ("100K H100", 100_000, None, "GPU", None),
    ("93.3%", 93.3, None, "percent", None),
    (">95%", 95, None, "percent", "more than"),
    ("90%+", 90, None, "percent", "more than"),
    ("17 per cent", 17, None, "percent", None),
    ("15-20%", 15, 20, "percent", None),
    ("45x", 45, None, "x", None),
    ("10X+", 10, None, "x", "more than"),
    ("20 to 50 times", 20, 50, "x", None),
    ("2.5x", 2.5, None, "x", None),
    ("2-3.5x", 2, 3.5, "x", None),
    ("1,000x - 10,000x+", 1000, 10_000, "x", "more than"),
    ("doubling", 2, None, "x", None),
    ("order of magnitude", 10, None, "x", None),
    ("$0.55 / 1M tokens", 0.55, None, "USD/1M tokens", None),
    ("$15 per million tokens", 15, None, "USD/1M tokens", None),
    ("$2.19 per million output tokens", 2.19, None, "USD/1M tokens", None),
    ("671B parameters", 671e9, None, "parameters", None),
    ("37 billion active parameters", 37e9, None, "parameters", None),
    ("5 months", 5, None, "months", None),
    ("3 to 9 months", 3, 9, "months", None),
    ("three to five years", 3, 5, "years", None),
    ("about one year", 1, None, "years", "about"),
    ("January 20, 2025", 20250120, None, "date", None),
    ("May 2023", 20230500, None, "date", None),
    ("2,000+ tokens per second", 2000, None, "tokens/s", "more than"),
    ("under 200 employees", 200, None, "count", "under"),
    ("hundreds of billions", 1e11, None, "count", "at least"),
    ("trillion-dollar", 1e12, None, "USD", "at least"),
    ("2.788M GPU hours", 2_788_000, None, "other", None),
    ("8-bit", 8, None, "other", None),
    ("#1", 1, None, "other", None),
]


@pytest.mark.parametrize(("phrase", "value", "value_max", "unit", "qualifier"), REAL_PHRASES)
def test_real_phrase_parses_to_value_unit_and_qualifier(phrase, value, value_max, unit, qualifier):
    q = parse_quantity(phrase)
    assert q.value == pytest.approx(value)
    assert (q.value_max is None) == (value_max is None)
    if value_max is not None:
        assert q.value_max == pytest.approx(value_max)
    assert q.unit == unit
    assert q.qualifier == qualifier


NOT_CLAIMS = ["2nd and 3rd layer", "o1", "V3", "H100", "GPT-4", "3nm", "1.", "1)", "r1", "the"]


@pytest.mark.parametrize("phrase", NOT_CLAIMS)
def test_phrases_that_are_not_figures_are_refused(phrase):
    with pytest.raises(QuantityError):
        parse_quantity(phrase)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("$6M", "$5.6M", True),          # rounding of the same figure
        ("$5.7M", "$5.576M", True),
        ("$600B", "close to $593B", True),
        ("93%", "93.3%", True),
        ("17%", "15-20%", True),
        (">95%", "90%+", True),
        ("about 50,000", "closer to 50,000", True),
        ("$7T", "trillion-dollar", True),
        ("2x", "2.5x", False),          # a doubling is not a 2.5x speedup
        ("$7B", "up to $6B", False),
        ("75%", "40%", False),
        ("4x", "32x", False),
        ("10x", "2-3.5x", False),
        ("2,048", "about 50,000", False),
        ("May 2023", "May 12, 2023", True),
        ("January 20, 2025", "December 25, 2024", False),
    ],
)
def test_compatible_allows_rounding_but_not_real_differences(a, b, expected):
    qa, qb = parse_quantity(a), parse_quantity(b)
    if qa.unit != qb.unit:
        qb = type(qb)(**{**qb.__dict__, "unit": qa.unit})
    assert compatible(qa, qb) is expected
    assert compatible(qb, qa) is expected


def test_comparing_different_units_is_an_error_naming_both():
    with pytest.raises(QuantityError, match="45x"):
        compatible(parse_quantity("45x"), parse_quantity("45%"))


def test_format_round_trips_the_figure():
    assert format_quantity(parse_quantity("$60-80B")) == "$60–80B"
    assert format_quantity(parse_quantity(">95%")) == "more than 95%"


@pytest.mark.parametrize(
    ("phrase", "unit", "note"),
    [
        ("16 million times since its launch", "count", "times"),  # how often: downloads, views, citations
        ("more than 2,000 times", "count", "times"),
        ("1,000 times more efficient", "x", None),  # a comparison follows: how many-fold
        ("10 times cheaper", "x", None),
        ("20 times", "x", None),
    ],
)
def test_times_after_a_large_count_is_how_often_unless_a_comparison_follows(phrase, unit, note):
    q = parse_quantity(phrase)
    assert (q.unit, q.note) == (unit, note)


def test_yuan_is_a_currency_of_its_own_not_a_count():
    q = parse_quantity("60 billion yuan in assets")
    assert (q.value, q.unit, q.note) == (60e9, "other", "CNY")
