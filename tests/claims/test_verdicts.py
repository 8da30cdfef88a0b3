"""Verdicts a reader can trust: when two figures contradict, and what makes a claim corroborated.

Each test names a failure pattern seen on real articles, in general terms.
"""

from claims.quantities import compatible, parse_quantity
from claims.relations import ClaimFacts, detect_relations
from claims.status import EvidenceFacts, Weighing, compute_status, origins_of
from claims.vocabulary import default_vocabulary

VOCAB = default_vocabulary()
PARTS = VOCAB.part_scopes


def claim(cid, phrase, *, metric="gpu_hours", subject="DeepSeek-V3", **kw):
    return ClaimFacts(cid, subject, metric, parse_quantity(phrase), **kw)


def kinds(claims):
    found = detect_relations(
        claims, parts=PARTS, scope_labels=VOCAB.scope_labels, metric_groups=VOCAB.metric_groups
    )
    return sorted((r.kind, r.a, r.b) for r in found)


def at(source, start, who="author"):
    return frozenset({(source, start, start + 40, who)})


def test_parts_of_one_breakdown_by_one_voice_never_contradict():
    found = kinds([
        claim("stage", "2,664K GPU hours", passages=at("s", 100)),
        claim("total", "2.788M GPU hours", passages=at("s", 400)),
    ])
    assert found == []  # parts of one account: neither rivals nor a link to read


def test_two_voices_in_one_passage_are_still_rivals():
    found = kinds([
        claim("own", "2,048 GPUs", metric="gpu_count", subject="DeepSeek", passages=at("s", 0, "DeepSeek")),
        claim("rival", "about 50,000 GPUs", metric="gpu_count", subject="DeepSeek",
              passages=at("s", 60, "Alexandr Wang")),
    ])
    assert found == [("contradicts", "own", "rival")]


def test_the_same_voice_far_apart_in_one_article_can_contradict_itself():
    found = kinds([
        claim("a", "4x", metric="context_length_gain", subject="DeepSeek", passages=at("s", 100)),
        claim("b", "32x", metric="context_length_gain", subject="DeepSeek", passages=at("s", 6000)),
    ])
    assert found == [("contradicts", "a", "b")]


def test_a_part_scope_never_equals_an_unscoped_whole():
    found = kinds([
        claim("pre", "2,664K GPU hours", scope="stage=pre_training"), claim("all", "2.788M GPU hours")
    ])
    assert [k for k, *_ in found] == ["different_scope"]


def test_input_and_output_prices_are_different_scopes():
    found = kinds([
        claim("in", "$0.55 / 1M tokens", metric="api_price", scope="side=input"),
        claim("out", "$2.19 / 1M tokens", metric="api_price", scope="side=output"),
    ])
    assert [k for k, *_ in found] == ["different_scope"]


def test_a_pre_market_move_does_not_contradict_the_days_move():
    found = kinds([
        claim("pre", "9%", metric="stock_change", subject="NVIDIA", scope="session=premarket"),
        claim("day", "17%", metric="stock_change", subject="NVIDIA"),
    ])
    assert [k for k, *_ in found] == ["different_scope"]


def test_a_gain_and_a_loss_are_different_figures():
    found = kinds([
        claim("up", "60%", metric="stock_change", subject="Oracle", scope="direction=up;period=year"),
        claim("down", "15%", metric="stock_change", subject="Oracle", scope="direction=down"),
    ])
    assert [k for k, *_ in found] == ["different_scope"]


def test_counts_of_different_years_or_chips_are_different_scopes():
    assert [k for k, *_ in kinds([
        claim("a", "10,000 GPUs", metric="gpu_count", subject="DeepSeek", scope="as_of=2021"),
        claim("b", "2,000 GPUs", metric="gpu_count", subject="DeepSeek"),
    ])] == ["different_scope"]
    assert [k for k, *_ in kinds([
        claim("a", "10,000 GPUs", metric="gpu_count", subject="DeepSeek", scope="hardware=a100"),
        claim("b", "2,000 GPUs", metric="gpu_count", subject="DeepSeek", scope="hardware=h800"),
    ])] == ["different_scope"]


def test_unclassified_or_unsure_figures_take_part_in_no_relation():
    assert kinds([claim("a", "37B", metric="other"), claim("b", "14.8T", metric="other")]) == []
    assert kinds([claim("a", "2,048 GPUs", metric="gpu_count", confident=False),
                  claim("b", "50,000 GPUs", metric="gpu_count")]) == []


def test_a_weakly_hedged_guess_anchors_no_contradiction():
    found = kinds([
        claim("guess", "10x", metric="training_efficiency", subject="DeepSeek", speculative=True),
        claim("fact", "6x", metric="training_efficiency", subject="DeepSeek"),
    ])
    assert [k for k, *_ in found] == ["different_scope"]


def test_figures_written_to_four_significant_digits_tolerate_little():
    assert not compatible(parse_quantity("2.764 million"), parse_quantity("2,788,000"))
    assert compatible(parse_quantity("2.79M"), parse_quantity("2,788,000"))
    assert compatible(parse_quantity("$5.576M"), parse_quantity("$5.7M"))


def test_money_figures_of_different_basis_are_linked_as_different_scope():
    found = kinds([
        claim("run", "$5.6M", metric="training_cost", scope="basis=final_run", family="DeepSeek"),
        claim("spend", "more than $1B", metric="capex", subject="DeepSeek", scope="basis=total",
              family="DeepSeek"),
    ])
    assert found == [("different_scope", "run", "spend")]


def ev(eid, who, source, stance="supports", **kw):
    parties = tuple(who) if isinstance(who, list) else (who,)
    return EvidenceFacts(
        eid, "c", origins_of(parties, source_label=f"the author of «{source}»"), stance,
        asserted_by=" and ".join(parties), source_id=source, **kw,
    )


def verdict(evidence, **weighing):
    return compute_status("c", evidence=evidence, relations=[], evidence_by_claim={}, labels={},
                          weighing=Weighing(**weighing))


def test_a_writer_repeating_a_partys_figure_in_the_same_article_is_not_a_second_origin():
    v = verdict([ev("e1", "SemiAnalysis", "A"), ev("e2", "author", "A")])
    assert v.status == "unverified"
    assert any("relaying" in r for r in v.reasons)


def test_a_makers_own_figure_stays_unverified_however_often_it_is_repeated():
    repeats = [ev("e0", "DeepSeek", "A")] + [ev(f"e{i}", "author", f"S{i}") for i in range(1, 5)]
    v = verdict(repeats, maker="DeepSeek")
    assert v.status == "unverified"
    assert any("Repeated by 4 writer(s)" in r for r in v.reasons)
    assert any("claimed by its maker, DeepSeek" in r for r in v.reasons)


def test_an_independent_party_still_corroborates_a_makers_figure():
    v = verdict([ev("e0", "DeepSeek", "A"), ev("e1", "Epoch AI", "B")], maker="DeepSeek")
    assert v.status == "corroborated"


def test_hedged_evidence_weighs_less_and_the_reasons_say_so():
    v = verdict([ev("e1", "Jane Roe", "A", hedge="likely"), ev("e2", "John Doe", "B")],
                weak_hedges=frozenset({"likely"}))
    assert v.status == "unverified"
    assert any("Weighs less" in r and "likely" in r for r in v.reasons)


def test_a_company_name_with_a_comma_is_one_origin():
    assert origins_of(("Meta Platforms, Inc.",), source_label="x") == ("Meta Platforms, Inc.",)
    v = verdict([ev("e1", "Meta Platforms, Inc.", "A")])
    assert v.reasons[0].startswith("Asserted by 1 independent origin")


def test_an_unclassified_figure_has_no_status_of_its_own():
    v = verdict([ev("e1", "Jane Roe", "A"), ev("e2", "John Doe", "B")], classified=False)
    assert v.status == "unverified" and v.reasons[0].startswith("Unclassified figure")
