"""Extraction rules on sentences written for these tests (not from the seeds): language, not particular
text."""

import pytest


def only(mentions, **want):
    found = [
        m
        for m in mentions
        if all(getattr(m, k) == v for k, v in want.items() if k != "value")
        and ("value" not in want or m.quantity.value == pytest.approx(want["value"]))
    ]
    assert len(found) == 1, [(m.value_text, m.metric, m.subject, m.asserted_by) for m in mentions]
    return found[0]


def test_reporting_verb_names_the_speaker_and_the_reported_subject(read):
    m = only(read("DeepSeek said R1 cost $6 million to train."), metric="training_cost")
    assert (m.subject, m.asserted_by, m.quantity.value) == ("DeepSeek-R1", "DeepSeek", 6e6)


def test_according_to_and_qualifiers(read):
    m = only(
        read("According to SemiAnalysis, DeepSeek has access to about 50,000 Hopper GPUs."),
        metric="gpu_count",
    )
    assert (m.asserted_by, m.quantity.qualifier, m.quantity.unit) == ("SemiAnalysis", "about", "GPU")


def test_speakers_outside_the_vocabulary_are_named(read):
    m = only(
        read("White House AI czar David Sacks said DeepSeek distilled knowledge from OpenAI's models."),
        metric="distilled_from_openai",
    )
    assert m.asserted_by == "David Sacks" and m.quantity.value == 1


def test_quote_then_said_attributes_the_quote(read):
    m = only(
        read('"DeepSeek has about 50,000 H100s," said Dylan Patel, chief analyst at SemiAnalysis.'),
        metric="gpu_count",
    )
    assert m.asserted_by == "Dylan Patel"


def test_gpu_hours_rental_price_and_final_run_scope(read):
    text = (
        "DeepSeek said training V3 took 2,788 thousand H800 GPU hours, which at $2 per GPU hour comes to "
        "$5.576 million."
    )
    mentions = read(text)
    assert only(mentions, metric="gpu_hours").quantity.value == 2_788_000
    assert only(mentions, metric="gpu_hour_price").quantity.value == 2
    cost = only(mentions, metric="training_cost")
    assert (
        cost.subject == "DeepSeek-V3" and cost.scope == "basis=final_run" and cost.asserted_by == "DeepSeek"
    )


def test_market_figures_take_the_possessor_as_subject(read):
    mentions = read(
        "Nvidia shares fell 17% on Monday, wiping nearly $600 billion off the company's market value."
    )
    assert only(mentions, metric="stock_change").subject == "NVIDIA"
    loss = only(mentions, metric="market_cap_loss")
    assert loss.subject == "NVIDIA" and loss.quantity.qualifier == "nearly"


def test_prices_per_million_tokens_share_their_unit_across_a_comparison(read):
    mentions = read(
        "R1 costs $0.55 per million input tokens and $2.19 per million output tokens, compared "
        "with $15 and $60 for OpenAI's o1."
    )
    prices = [m for m in mentions if m.metric == "api_price"]
    assert [m.quantity.value for m in prices] == [0.55, 2.19, 15, 60]
    assert [m.subject for m in prices][-1] == "OpenAI o1"


def test_parameters_total_and_active(read):
    mentions = read(
        "V3 has 671 billion parameters, but only 37 billion parameters are active for each token."
    )
    assert only(mentions, metric="parameters_total").quantity.value == 671e9
    assert only(mentions, metric="parameters_active").quantity.value == 37e9


def test_conditionals_are_hypothetical(read):
    m = only(read("If training costs keep falling 10x every year, frontier models will be cheap."), value=10)
    assert m.hypothetical


def test_industry_trends_are_not_pinned_on_the_topic(read):
    text = (
        "DeepSeek surprised many. "
        "Costs for a given level of capability have been falling roughly 4x per year."
    )
    assert only(read(text), value=4).subject == "AI industry"


def test_datelines_are_not_claims(read):
    mentions = read(
        "DeepSeek FAQ\nPublished January 28, 2025\nDeepSeek released R1 on January 20.", "2025-01-28"
    )
    assert [m.quantity.value for m in mentions] == [20250120]
    assert mentions[0].metric == "release_date" and mentions[0].subject == "DeepSeek-R1"


def test_list_numbering_model_names_and_footnotes_are_not_figures(read):
    text = "Three things matter:\n1. GPT-4o and o1 are strong.\n2. Llama 3.1 405B is big.[^3]\n"
    assert read(text) == []


def test_a_mixed_fleet_is_one_hardware_claim(read):
    mentions = read("SemiAnalysis believes DeepSeek has access to roughly 10,000 H800s and 10,000 H100s.")
    kinds = [m for m in mentions if m.metric == "gpu_type"]
    assert len(kinds) == 1 and kinds[0].value_text == "H800s and H100s"


def test_yes_no_claims_read_polarity(read):
    yes = only(read("DeepSeek's V3 is a mixture-of-experts model."), metric="uses_moe")
    no = only(read("DeepSeek's R1 avoided sparse architectures like Mixture of Experts."), metric="uses_moe")
    assert (yes.quantity.value, no.quantity.value) == (1, 0)


def test_questions_assert_no_yes_no_claims(read):
    assert not [
        m for m in read("Did DeepSeek train on OpenAI's outputs?") if m.metric == "distilled_from_openai"
    ]


def test_aliases_and_typos_resolve(read):
    m = only(read("Alexander Wang says DeekSeek has 50,000 H100s."), metric="gpu_count")
    assert (m.subject, m.asserted_by) == ("DeepSeek", "Alexandr Wang")


def test_relative_dates_of_events_resolve_against_the_document_date(read):
    mentions = read("Nvidia fell 17% on Monday after DeepSeek released R1 last week.", "2025-01-29")
    dates = {m.value_text: m for m in mentions if m.quantity.unit == "date"}
    assert dates["Monday"].quantity.value == 20250127 and "2025-01-29" in dates["Monday"].note
    assert dates["last week"].quantity.value == 20250100


def test_relative_dates_need_a_document_date(read):
    assert not [m for m in read("DeepSeek released R1 last week.") if m.quantity.unit == "date"]


def test_a_cue_after_a_second_figure_belongs_to_that_figure(read):
    mentions = read("Mistral's new model has 123B total parameters and 22B active per token.")
    total = only(mentions, value=123e9)
    active = only(mentions, value=22e9)
    assert (total.metric, active.metric) == ("parameters_total", "parameters_active")


def test_a_bare_figure_takes_no_unit_from_the_sentence_before_when_its_own_names_one(read):
    mentions = read(
        "The run took 1.2M H800 GPU hours in all. Qwen supports a 64K-token context window, extended from "
        "8K in one stage."
    )
    hours = only(mentions, value=1.2e6)
    assert hours.metric == "gpu_hours"
    for value in (64_000, 8_000):
        m = only(mentions, value=value)
        assert (m.metric, m.quantity.unit) == ("context_length", "count"), m


def test_a_unit_written_on_the_number_is_not_read_as_words_before_a_chip(read):
    # "GB on the H100": gigabytes, then a place; not words describing a chip ("second-tier Nvidia chips")
    mentions = read("The MI300X carries 192GB of HBM3 versus 80GB on the H100.")
    assert sorted(m.quantity.value for m in mentions if m.metric == "memory_capacity") == [80, 192]
    assert all(m.quantity.unit == "other" and m.quantity.note == "GB" for m in mentions
               if m.metric == "memory_capacity")
    chips = read("The lab trained on 2,000 second-tier Nvidia chips.")
    assert only(chips, metric="gpu_count").quantity.unit == "GPU"


def test_a_bare_figure_set_against_a_named_one_takes_its_unit(read):
    mentions = read("The MI300X carries 192GB of HBM3 versus roughly 80 on the H100.")
    small = only(mentions, value=80)
    assert (small.quantity.unit, small.quantity.note, small.metric) == ("other", "GB", "memory_capacity")
    # without a comparison a small bare number is no figure
    assert not [m for m in read("The MI300X carries 192GB of HBM3 and 8 stacks.") if m.quantity.value == 8]


@pytest.mark.parametrize(
    "sentence",
    [
        "DeepSeek has about 50,000 Hopper GPUs, according to SemiAnalysis.",
        "DeepSeek has about 50,000 Hopper GPUs, SemiAnalysis said.",
        "DeepSeek has about 50,000 Hopper GPUs, SemiAnalysis wrote in a note to clients.",
        "DeepSeek has about 50,000 Hopper GPUs, said SemiAnalysis, a research firm.",
        "DeepSeek has about 50,000 Hopper GPUs, SemiAnalysis said, though the lab disputes it.",
    ],
)
def test_a_speaker_named_after_the_claim_asserts_it(read, sentence):
    assert only(read(sentence), metric="gpu_count").asserted_by == "SemiAnalysis"


def test_postposed_speakers_outside_the_vocabulary_and_background_clauses(read):
    m = only(read("DeepSeek has about 50,000 Hopper GPUs, according to Appfigures."), metric="gpu_count")
    assert m.asserted_by == "Appfigures"
    mentions = read(
        "DeepSeek, founded in 2023 by Liang Wenfeng, has fewer than 200 employees, according to people "
        "familiar with the company."
    )
    assert only(mentions, metric="employees").asserted_by == "people familiar with the company"
    assert only(mentions, metric="founded").asserted_by == "author"  # the writer's background, not theirs


def test_a_relative_clause_is_not_a_postposed_speaker(read):
    m = only(read("DeepSeek says V3 cost $5.6 million, which analysts said was low."), metric="training_cost")
    assert m.asserted_by == "DeepSeek"


def test_the_company_after_a_speaker_is_the_company_the_sentence_named(read):
    mentions = read(
        "SemiAnalysis estimates that DeepSeek's server capex is roughly $1.3 billion, and that the company "
        "has about 10,000 H800s."
    )
    m = only(mentions, metric="gpu_count")
    assert (m.subject, m.asserted_by) == ("DeepSeek", "SemiAnalysis")
    assert only(read("Meta said it would spend $65 billion on AI this year."), value=65e9).subject == "Meta"


def test_puts_something_at_a_figure_reports_it_and_a_speakers_firm_is_not_the_next_subject(read):
    mentions = read(
        "Dylan Patel of SemiAnalysis puts DeepSeek's hardware spend at well over $500 million. He also says "
        "the company has access to around 50,000 Hopper GPUs."
    )
    spend = only(mentions, value=500e6)
    assert (spend.subject, spend.asserted_by) == ("DeepSeek", "Dylan Patel")
    fleet = only(mentions, metric="gpu_count")
    assert (fleet.subject, fleet.asserted_by) == ("DeepSeek", "Dylan Patel")


def test_dollars_an_hour_is_a_rental_price(read):
    mentions = read("The final run took 2.788 million H800 GPU hours at $2 an hour, DeepSeek says.")
    assert only(mentions, value=2).metric == "gpu_hour_price"


def test_between_one_figure_and_another_is_one_range(read):
    m = only(read("The lab's true all-in cost is probably between $500 million and $1 billion."), value=500e6)
    assert (m.quantity.value_max, m.quantity.unit) == (1e9, "USD")
    assert m.value_text == "$500 million and $1 billion"
    m = only(read("Epoch AI estimates training costs fall by between 20 and 30 percent a year."), value=20)
    assert (m.quantity.value_max, m.quantity.unit) == (30, "percent")
    # without "between", two figures joined by "and" stay two
    two = read("OpenAI charges $15 and $60 per million tokens for o1.")
    assert sorted(m.quantity.value for m in two) == [15, 60]


def test_a_quoted_speaker_with_an_appositive_and_the_listener_of_told(read):
    mentions = read(
        '"DeepSeek spent far more than $6 million," Dylan Patel, chief analyst at SemiAnalysis, told CNBC.'
    )
    assert only(mentions, value=6e6).asserted_by == "Dylan Patel"
    # "told CNBC": CNBC listened; nobody named here said it
    assert only(read("DeepSeek has 50,000 GPUs, told CNBC."), metric="gpu_count").asserted_by == "author"


def test_a_wire_dateline_is_the_date_of_the_story_not_a_claim():
    from ingest.documents import document_from_text

    text = ("Chips slide\nHONG KONG, Jan 28, 2025 (Asia Business Wire) -\n\n"
            "DeepSeek trained V3 on 2,048 H800 GPUs, the company said.\n")
    doc = document_from_text(text, name="w.txt", origin="w.txt")
    assert doc.published == "2025-01-28"


def test_a_wire_dateline_line_yields_no_mention(read):
    mentions = read("HONG KONG, Jan 28, 2025 (Asia Business Wire) -\n\nDeepSeek trained V3 on 2,048 GPUs.")
    assert [m.metric for m in mentions if m.quantity.unit == "date"] == []


def test_a_small_price_after_per_token_prices_is_per_token_too(read):
    mentions = read(
        "R1 is priced at $0.55 per million input tokens and $2.19 per million output tokens. "
        "OpenAI's o1 costs $15 and $60 respectively."
    )
    for value in (15, 60):
        m = only(mentions, value=value)
        assert (m.quantity.unit, m.metric, m.subject) == ("USD/1M tokens", "api_price", "OpenAI o1")


def test_the_stock_is_the_company_just_named(read):
    mentions = read("Nvidia lost $593 billion in market value on Monday. The stock rose 9% on Tuesday.")
    assert only(mentions, value=9).subject == "NVIDIA"


@pytest.mark.parametrize(
    "sentence",
    [
        "Wang's estimate of 50,000 H100s has been widely repeated.",
        "Scale AI CEO Alexandr Wang's claim of about 50,000 Hopper GPUs went viral.",
        "Per Alexandr Wang, DeepSeek has about 50,000 Hopper GPUs.",
    ],
)
def test_a_partys_estimate_or_claim_of_a_figure_is_theirs(read, sentence):
    assert only(read(sentence), metric="gpu_count").asserted_by == "Alexandr Wang"


def test_per_inside_a_sentence_is_a_rate_not_a_source(read):
    m = only(read("DeepSeek charges $2.19 per million output tokens."), metric="api_price")
    assert m.asserted_by == "author"


def test_x_of_its_y_parameters_is_active_of_total(read):
    mentions = read("Mistral's model activates 22 billion of its 141 billion parameters for each token.")
    assert only(mentions, value=22e9).metric == "parameters_active"
    assert only(mentions, value=141e9).metric == "parameters_total"


def test_a_hyphened_magnitude_is_part_of_the_figure(read):
    m = only(read("Meta released a 405-billion-parameter Llama model."), metric="parameters_total")
    assert (m.quantity.value, m.quantity.unit, m.value_text) == (405e9, "parameters", "405-billion")


def test_the_company_said_after_the_claim_is_the_company_the_sentence_names(read):
    mentions = read("DeepSeek released R1 last week. Nvidia's stock rose 9% on Tuesday, the company said.")
    m = only(mentions, value=9)
    assert (m.subject, m.asserted_by) == ("NVIDIA", "NVIDIA")  # of itself, not of DeepSeek


def test_unnamed_speakers_after_the_claim_with_plural_verbs(read):
    m = only(read("DeepSeek has 50,000 GPUs, analysts estimate."), metric="gpu_count")
    assert m.asserted_by == "analysts"
    m = only(read("DeepSeek spent more than $6 million on V3, critics say; the lab disagrees."), value=6e6)
    assert m.asserted_by == "critics"


def test_according_to_the_paper_is_its_publishers_word_and_per_hour_is_a_rental_price(read):
    mentions = read(
        "DeepSeek-V3 charges $0.27 per million input tokens. Its attention cuts the KV cache by roughly 93%, "
        "according to the paper. At the $2-per-hour rental price the paper assumes, the run cost $5.6M."
    )
    assert only(mentions, value=93).asserted_by == "DeepSeek"
    rent = only(mentions, value=2)
    assert (rent.quantity.unit, rent.metric) == ("USD", "gpu_hour_price")


@pytest.mark.parametrize(
    "sentence",
    [
        "Epoch AI estimates that frontier training costs have grown 2.4x per year since 2016.",
        "Training costs drop 4x every year, Epoch AI says.",
    ],
)
def test_a_yearly_rate_of_costs_is_the_industrys_trend_not_the_speakers(read, sentence):
    [m] = read(sentence)
    assert (m.metric, m.subject, m.asserted_by) == ("compute_cost_trend", "AI industry", "Epoch AI")


@pytest.mark.parametrize(
    ("sentence", "hypothetical"),
    [
        ("Had DeepSeek used 50,000 H100s, the bill would top $1.5 billion.", True),
        ("Should DeepSeek need 50,000 H100s, it could rent them.", True),
        ("Had it been true, DeepSeek would have 50,000 GPUs.", True),
        ("DeepSeek had 50,000 GPUs.", False),
    ],
)
def test_an_inverted_conditional_makes_its_figures_hypothetical(read, sentence, hypothetical):
    assert only(read(sentence), metric="gpu_count").hypothetical is hypothetical


def test_it_after_a_fronted_phrase_is_the_sentences_subject_not_a_name_on_the_way(read):
    mentions = read(
        "Baidu was an early buyer of Nvidia hardware for its search models: in 2020, before any export "
        "rules, it bought 5,000 A100 GPUs."
    )
    assert only(mentions, metric="gpu_count").subject == "Baidu"


def test_a_figure_in_a_relative_clause_is_about_the_name_the_clause_follows(read):
    mentions = read(
        "Last week, OpenAI, SoftBank and Oracle unveiled Stargate, a joint venture that aims to invest up to "
        "$500 billion in AI infrastructure."
    )
    assert only(mentions, value=500e9).subject == "Stargate"


def test_figures_set_right_after_a_name_are_that_names(read):
    prices = read("R1 costs $0.55 per million input tokens, roughly 9x cheaper than GPT-4o at $2.50 and $10.")
    assert {only(prices, value=v).subject for v in (2.5, 10)} == {"GPT-4o"}
    scores = read("On math, R1 scored 97.3%, beating GPT-4o (9.3% and 74.6%).")
    assert only(scores, value=97.3).subject == "DeepSeek-R1"
    assert {only(scores, value=v).subject for v in (9.3, 74.6)} == {"GPT-4o"}


def test_the_second_figure_of_a_pair_set_against_a_rival_is_the_rivals(read):
    mentions = read(
        "Qwen is strong. It trails o1 on GPQA Diamond, 61.5% to 75.7%, and on MMLU, 85.8% to 91.8%, and "
        "roughly ties on SWE-bench Verified at 49.2% versus 48.9%."
    )
    rivals = {m.quantity.value for m in mentions if m.subject == "OpenAI o1"}
    assert rivals == {75.7, 91.8, 48.9}
    assert all(m.quantity.value_max is None for m in mentions)  # pairs, not ranges


def test_a_sentence_opening_it_said_is_the_company_the_text_is_about(read):
    mentions = read(
        "DeepSeek has fewer than 200 employees. It said in a technical paper published in December that "
        "training its V3 model cost less than $6 million in computing power."
    )
    assert only(mentions, value=6e6).asserted_by == "DeepSeek"


def test_a_figure_before_a_speaker_in_a_reduced_relative_clause_is_theirs(read):
    mentions = read("The 2,048 H800s DeepSeek says it used for the V3 run were a fraction of its fleet.")
    assert only(mentions, metric="gpu_count").asserted_by == "DeepSeek"


def test_a_report_which_reports_and_a_possessive_after_other_words_are_their_publishers(read):
    mentions = read(
        "That headline comes from the V3 technical report, which costs the final run at $5.576 million: "
        "2.788 million H800 hours at an assumed $2 per GPU hour."
    )
    assert {m.asserted_by for m in mentions if m.quantity.value} == {"DeepSeek"}
    owned = read("The market spent the week treating DeepSeek's \"$6M model\" as a referendum on capex.")
    assert only(owned, value=6e6).asserted_by == "DeepSeek"


@pytest.mark.parametrize(
    ("sentence", "tier"),
    [
        ("DeepSeek trained V3 using roughly 2,000 second-tier Nvidia chips.", "restricted-older"),
        ("DeepSeek may own 50,000 top-tier Nvidia GPUs.", "advanced"),
    ],
)
def test_chip_tiers_described_in_other_words(read, sentence, tier):
    m = only(read(sentence), metric="gpu_type")
    assert m.note == f"hardware class: {tier}"


def test_a_person_named_as_a_lines_label_speaks_it_an_organisation_may_be_its_subject(read):
    mentions = read(
        "Estimates\n\n- Alexandr Wang (Scale AI): about 50,000 H100s\n\n"
        'Patel: "DeepSeek has about 60,000 H100s."\n\nNVIDIA: lost $593 billion in a day.\n'
    )
    assert only(mentions, value=50_000).asserted_by == "Alexandr Wang"
    assert only(mentions, value=60_000).asserted_by == "Dylan Patel"
    loss = only(mentions, value=593e9)
    assert (loss.subject, loss.asserted_by) == ("NVIDIA", "author")


def test_the_day_of_a_stock_move_is_not_a_claim_of_its_own_a_release_day_is(read):
    moves = read("Nvidia fell 17% on Monday, erasing $590 billion in market value.", published="2025-01-29")
    assert [m for m in moves if m.quantity.unit == "date"] == []
    release = read("DeepSeek released R1 on Monday.", published="2025-01-22")
    assert only(release, metric="release_date").quantity.value == 20250120


def test_a_percent_drop_in_market_value_is_a_stock_change(read):
    mentions = read("Nvidia lost about $593 billion in market value in a single day, a 17% drop.")
    assert only(mentions, value=17).metric == "stock_change"


def test_a_model_matched_against_is_a_rival_not_the_subject(read):
    m = only(read("R1's reasoning matches o1's at a fraction of the cost: about 3% of the price."), value=3)
    assert m.subject == "DeepSeek-R1"


def test_speeds_up_marks_an_inference_speedup(read):
    mentions = read("Predicting two tokens at a time speeds up Mistral's generation by about 1.8 times.")
    assert only(mentions, value=1.8).metric == "inference_speedup"
