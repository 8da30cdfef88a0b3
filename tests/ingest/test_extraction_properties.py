"""Properties that hold for any text: extraction never fails and every quote is its source's slice."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.records import Document

PIECES = [
    "$", "%", "x", "5.6M", "2,048", "H800", "DeepSeek", "said", "about", "~", ">", "(", ")", "[^1]",
    "http://a.b/c", "\n", "  ", "—", "’s", " to ", "-", "1.", "#", "No.", "January", "2025", "billion", "FP8",
    "of the", "GPUs", "R1", "V3", "o1", "é", "\t", ",", ".", "?", '"', "“", "if", "would", "Wang says",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.sampled_from(PIECES) | st.text(max_size=6), max_size=60),
    published=st.sampled_from([None, "2025-01-31"]),
)
def test_any_text_extracts_without_error_and_quotes_are_slices(extractor, words, published):
    text = " ".join(words)
    for mention in extractor.extract(
        Document(name="x.txt", text=text, origin="x", title="x", published=published)
    ):
        assert text[mention.start : mention.end] == mention.quote
        if mention.value_start is not None:
            assert mention.start <= mention.value_start <= mention.value_end <= mention.end
