"""Relation detection and status rules on small hand-made claim sets."""

import pytest

from claims.quantities import Quantity, parse_quantity
from claims.relations import ClaimFacts, detect_relations, scopes_conflict
from claims.status import EvidenceFacts, compute_status, origins_of


def claim(cid, subject, metric, phrase, **kw):
    return ClaimFacts(cid, subject, metric, parse_quantity(phrase), **kw)


def kinds(relations):
    return sorted((r.kind, *sorted((r.a, r.b))) for r in relations)


def test_rounding_is_corroboration_and_real_differences_contradict():
    found = detect_relations([
        claim("a", "NVIDIA", "market_cap_loss", "$600B"),
        claim("b", "NVIDIA", "market_cap_loss", "close to $593B"),
        claim("c", "NVIDIA", "market_cap_loss", "$1T"),
    ])
    assert kinds(found) == [("contradicts", "a", "c"), ("contradicts", "b", "c"), ("corroborates", "a", "b")]


def test_different_subjects_metrics_or_units_never_meet():
    found = detect_relations([
        claim("a", "DeepSeek", "gpu_count", "2,048 GPUs"),
        claim("b", "OpenAI", "gpu_count", "50,000 GPUs"),
        claim("c", "DeepSeek", "deployment_hardware", "50,000 GPUs"),
    ])
    assert found == []


def test_hypothetical_and_unspecified_claims_take_no_part():
    found = detect_relations([
        claim("a", "DeepSeek", "gpu_count", "2,048 GPUs"),
        claim("b", "DeepSeek", "gpu_count", "50,000 GPUs", hypothetical_only=True),
        claim("c", "(unspecified)", "gpu_count", "1 GPU"),
        claim("d", "(unspecified)", "gpu_count", "100K GPUs"),
    ])
    assert found == []


def test_different_scope_is_not_a_contradiction():
    found = detect_relations([
        claim("a", "DeepSeek-V3", "training_cost", "$5.6M", scope="basis=final_run"),
        claim("b", "DeepSeek-V3", "training_cost", "$1.6B", scope="basis=total"),
    ])
    assert kinds(found) == [("different_scope", "a", "b")]
    assert scopes_conflict("basis=final_run", "basis=total") and not scopes_conflict("", "basis=total")


def test_same_figure_on_sibling_models_is_a_misattribution():
    found = detect_relations([
        claim("v3", "DeepSeek-V3", "training_cost", "$5.6M", subject_kind="model", parent="DeepSeek"),
        claim("r1", "DeepSeek-R1", "training_cost", "$6M", subject_kind="model", parent="DeepSeek"),
    ])
    assert kinds(found) == [("misattribution", "r1", "v3")]


def test_yes_no_claims_compare_across_a_company_and_its_models():
    bool_q = lambda v: Quantity(v, unit="bool")  # noqa: E731
    claims = [
        ClaimFacts("org", "DeepSeek", "uses_moe", bool_q(1.0), family="DeepSeek"),
        ClaimFacts("r1", "DeepSeek-R1", "uses_moe", bool_q(0.0), family="DeepSeek"),
        ClaimFacts("gpt", "GPT-4", "uses_moe", bool_q(0.0), family="OpenAI"),
    ]
    parents = {"DeepSeek-R1": "DeepSeek"}

    def is_ancestor(a, b):
        return a == b or parents.get(b) == a

    found = detect_relations(claims, is_ancestor=is_ancestor)
    assert kinds(found) == [("contradicts", "org", "r1")]


def test_categories_contradict_across_tiers():
    found = detect_relations([
        ClaimFacts("a", "DeepSeek", "gpu_type", Quantity(None, unit="other"), category="restricted-older"),
        ClaimFacts("b", "DeepSeek", "gpu_type", Quantity(None, unit="other"), category="advanced"),
        ClaimFacts("c", "DeepSeek", "gpu_type", Quantity(None, unit="other"), category="advanced"),
    ])
    assert kinds(found) == [("contradicts", "a", "b"), ("contradicts", "a", "c"), ("corroborates", "b", "c")]


def test_large_groups_link_each_claim_to_its_nearest_rivals_only():
    from claims.relations import MAX_LINKS_PER_CLAIM

    group = [claim(f"c{i:04d}", "X", "gpu_count", f"{1000 + 100 * i} GPUs") for i in range(300)]
    found = detect_relations(group)
    degree = {}
    for r in found:
        degree[r.a] = degree.get(r.a, 0) + 1
    assert max(degree.values()) <= MAX_LINKS_PER_CLAIM


def ev(eid, claim_id, who, stance="supports", **kw):
    return EvidenceFacts(eid, claim_id, origins_of(who, source_label=f"author of {eid}"), stance, **kw)


def status(claim_id, evidence, relations=(), others=None):
    from claims.relations import RelationFacts

    rels = [RelationFacts(k, a, b, "") for k, a, b in relations]
    by_claim = {claim_id: evidence, **(others or {})}
    return compute_status(claim_id, evidence=evidence, relations=rels, evidence_by_claim=by_claim, labels={})


def test_one_origin_is_unverified_and_repeats_of_one_party_do_not_corroborate():
    repeats = [ev("e1", "c", "Alexandr Wang"), ev("e2", "c", "Alexandr Wang")]
    assert status("c", repeats).status == "unverified"


def test_two_independent_origins_corroborate():
    verdict = status("c", [ev("e1", "c", "author"), ev("e2", "c", "Alexandr Wang")])
    assert verdict.status == "corroborated" and any("independent" in r for r in verdict.reasons)


def test_a_credible_contradiction_disputes():
    verdict = status(
        "c", [ev("e1", "c", "DeepSeek")], [("contradicts", "c", "d")], {"d": [ev("e2", "d", "Alexandr Wang")]}
    )
    assert verdict.status == "disputed" and any("Contradicted" in r for r in verdict.reasons)


def test_one_alternative_with_many_independent_origins_refutes():
    rivals = [
        ev(f"r{i}", "d", name)
        for i, name in enumerate(["SemiAnalysis", "Dylan Patel", "Reuters", "Epoch AI"])
    ]
    verdict = status("c", [ev("e1", "c", "DeepSeek")], [("contradicts", "c", "d")], {"d": rivals})
    assert verdict.status == "refuted"


def test_rivals_that_disagree_with_each_other_do_not_add_up_to_a_refutation():
    verdict = status(
        "c",
        [ev("e1", "c", "DeepSeek")],
        [("contradicts", "c", "d"), ("contradicts", "c", "e")],
        {"d": [ev("r1", "d", "SemiAnalysis"), ev("r2", "d", "Reuters")], "e": [ev("r3", "e", "Epoch AI")]},
    )
    assert verdict.status == "disputed"


def test_a_retraction_by_the_asserter_refutes():
    verdict = status("c", [ev("e1", "c", "DeepSeek"), ev("e2", "c", "DeepSeek", stance="disputes")])
    assert verdict.status == "refuted"


@pytest.mark.parametrize("flag", [{"hypothetical": True}, {"review": "pending"}])
def test_hypothetical_or_pending_evidence_does_not_count(flag):
    verdict = status("c", [ev("e1", "c", "author", **flag)])
    assert verdict.status == "unverified" and verdict.reasons[0].startswith("Not asserted as fact")


def test_hedged_rivals_do_not_refute():
    rivals = [
        ev(f"r{i}", "d", n, hedge="rumored")
        for i, n in enumerate(["A Person", "B Person", "C Person", "D P"])
    ]
    verdict = status("c", [ev("e1", "c", "DeepSeek")], [("contradicts", "c", "d")], {"d": rivals})
    assert verdict.status == "disputed"
