"""What extraction must read for verdicts to hold: scope facets, stance, confidence and plausibility.

Sentences are written for these tests, about made-up firms and figures where the rule is about
language; none is copied from a gold set.
"""


def find(mentions, value_text):
    found = [m for m in mentions if m.value_text == value_text]
    assert found, [(m.value_text, m.metric, m.scope) for m in mentions]
    return found


def facets(m):
    return dict(part.split("=", 1) for part in m.scope.split(";") if part)


def test_training_stages_of_a_breakdown_are_scoped_parts(read):
    text = (
        "DeepSeek-V3's pre-training took 1,500K GPU hours. Long-context extension took another 90K GPU "
        "hours, and post‑training a further 4K GPU hours."
    )
    mentions = read(text)
    assert facets(find(mentions, "1,500K")[0]).get("stage") == "pre_training"
    assert facets(find(mentions, "90K")[0]).get("portion") == "increment"
    assert facets(find(mentions, "4K")[0]).get("stage") == "post_training"  # a non-breaking hyphen too


def test_an_operand_of_a_sum_and_a_rate_per_tokens_are_parts(read):
    mentions = read("The run needed 150K GPU hours per trillion tokens; 1,000K + 60K = 1.06M GPU hours.")
    assert facets(find(mentions, "150K")[0]).get("rate") == "per_tokens"
    assert facets(find(mentions, "60K")[0]).get("portion") == "operand"


def test_input_and_output_prices_are_different_sides(read):
    mentions = read("DeepSeek-R1 charges $0.40 per million input tokens and $1.90 per million output tokens.")
    assert facets(find(mentions, "$0.40")[0]).get("side") == "input"
    assert facets(find(mentions, "$1.90")[0]).get("side") == "output"


def test_a_pre_market_move_and_a_gain_over_a_year_are_scoped(read):
    mentions = read(
        "Nvidia shares were down 7% in pre-market trading on Monday. The stock had risen 150% in 2024."
    )
    assert facets(find(mentions, "7%")[0]).get("session") == "premarket"
    year = facets(find(mentions, "150%")[0])
    assert year.get("period") == "year" and year.get("direction") == "up"


def test_a_training_cluster_and_a_whole_fleet_are_scoped(read):
    mentions = read(
        "DeepSeek trained the model on 1,800 H800 GPUs. "
        "Analysts say the firm owns about 40,000 GPUs in total."
    )
    assert facets(find(mentions, "1,800")[0]).get("fleet") == "training"
    assert facets(find(mentions, "40,000")[0]).get("fleet") == "whole"


def test_a_count_dated_to_a_year_carries_the_year(read):
    mentions = read("In 2020 the lab bought 8,000 A100 GPUs.")
    assert facets(find(mentions, "8,000")[0]).get("as_of") == "2020"


def test_a_rejected_figure_gets_evidence_against_it_in_the_doubters_name(read):
    mentions = read(
        "Jane Roe, an analyst at Example Research, says DeepSeek is misrepresenting its claims about only "
        "using 1,900 GPUs."
    )
    both = find(mentions, "1,900")
    stances = {(m.stance, m.asserted_by) for m in both}
    assert ("supports", "DeepSeek") in stances
    assert any(stance == "disputes" and who != "DeepSeek" for stance, who in stances)
    against = next(m for m in both if m.stance == "disputes")
    assert "misrepresenting" in against.quote  # the quote is the doubt's own words


def test_a_figure_doubted_after_it_is_disputed(read):
    mentions = read(
        "The reported $4M training cost leaves out research and surely is the low end of estimates."
    )
    assert any(m.stance == "disputes" for m in find(mentions, "$4M"))


def test_a_denied_figure_disputes(read):
    m = find(read("The gap is not three years, but closer to six months."), "three")[0]
    assert m.stance == "disputes"


def test_modals_of_possibility_and_idealised_bounds_are_hypothetical(read):
    maybe = read("Gains of 5x in training efficiency are theoretically possible.")
    assert all(m.hypothetical for m in maybe if m.value_text == "5x")
    bound = read("Ideal (perfect efficiency) estimate: a theoretical lower bound of 0.3M GPU hours.")
    assert all(m.hypothetical for m in bound if m.value_text == "0.3M")


def test_a_figure_outside_a_metrics_plausible_range_is_not_typed_into_it(read):
    # a currency amount misread as a count of chips
    m = find(read("The company required 250 million GPUs, analysts joked."), "250 million")[0]
    assert m.metric != "gpu_count"


def test_another_currencys_dollars_are_not_us_dollars_and_keep_their_bound(read):
    mentions = read("The firm has invested over NT$20 billion (US$0.6 billion) in servers.")
    nt = find(mentions, "20 billion")[0]
    assert nt.quantity.unit == "other" and nt.quantity.note == "TWD"
    us = find(mentions, "US$0.6 billion")[0]
    assert us.quantity.unit == "USD" and us.quantity.qualifier == "over"


def test_confidence_is_lower_for_a_defaulted_subject_or_metric(read):
    named = find(read("DeepSeek-V3 was trained on 1,700 GPUs."), "1,700")[0]
    assert named.confidence >= 0.9
    guessed = [m for m in read("It cost $3 million, by one count.") if m.value_text == "$3 million"]
    assert all(m.confidence < 0.6 for m in guessed)


def test_a_label_line_sets_the_subject_of_the_lines_under_it(read):
    text = "Here is the compute:\n\nMeta:\n\n31.2 million GPU-hours of training\n\nThat is a lot.\n"
    m = find(read(text), "31.2 million")[0]
    assert m.subject == "Meta"


def test_an_organisations_unnamed_spokesperson_speaks_for_it(read):
    text = "A senior Commerce Department official told reporters that DeepSeek used 9,000 H100 GPUs."
    m = find(read(text), "9,000")[0]
    assert m.asserted_by == "Commerce Department"


def test_chips_named_as_used_are_hardware_claims_and_a_chip_after_not_is_denied(read):
    mentions = read("A review found that DeepSeek used export-compliant H800 products, not H100.")
    kinds = {(m.value_text, m.stance) for m in mentions if m.metric == "gpu_type"}
    assert ("H800", "supports") in kinds and ("H100", "disputes") in kinds


def test_asserted_by_is_kept_as_a_list_of_parties(read):
    m = find(read("Elon Musk and Alexandr Wang think DeepSeek used about 45,000 GPUs."), "45,000")[0]
    assert m.parties == ("Elon Musk", "Alexandr Wang")


def test_a_transcript_turn_speaks_for_its_lines_until_the_next_speaker(read):
    text = (
        "Ann Host: 00:10:01: Welcome back.\n\n"
        "Jane Roe: 00:10:05: Let me explain. They trained on 1,900 GPUs, I think.\n\n"
        "00:10:40: And they had 9,500 GPUs back in 2020.\n\n"
        "John Doe: 00:11:02: I doubt that.\n"
    )
    mentions = read(text)
    assert find(mentions, "1,900")[0].asserted_by == "Jane Roe"  # the turn's later sentence
    assert find(mentions, "9,500")[0].asserted_by == "Jane Roe"  # a continuation opening with a time stamp


def test_a_section_introduced_as_a_papers_is_in_its_voice_until_the_next_heading(read):
    text = (
        "2. The reported breakdown\n"
        "According to the DeepSeek-V3 paper\n"
        "Pre-training: 1,500K GPU hours\n"
        "3. Our estimate\n"
        "We think it took 1,700K GPU hours.\n"
    )
    mentions = read(text)
    assert find(mentions, "1,500K")[0].asserted_by == "DeepSeek"
    assert find(mentions, "1,700K")[0].asserted_by == "author"


def test_the_report_said_is_the_last_quoted_firms_report(read):
    text = (
        "Example Research disputes these claims, saying the lab spent over $900 million on servers. "
        "The report said that the lab operates about 30,000 GPUs."
    )
    mentions = read(text)
    assert find(mentions, "30,000")[0].asserted_by == "Example Research"
    assert all(m.stance == "supports" for m in find(mentions, "$900 million"))
