"""Headless Chromium through a real server: follow a dispute, add evidence by the form, explore the graph."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import EDITOR, PASSWORD

pytestmark = pytest.mark.browser

GPU_QUESTION = "How many GPUs does DeepSeek have?"


def shoot(page, folder, name: str, *, full_page: bool = False) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def log_in(page, base_url: str, name: str = EDITOR, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(base_url + "/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".signed-in")).to_contain_text(name)


def test_follow_a_dispute_and_add_evidence_through_the_form(live, page, screenshot_dir, console_errors):
    page.goto(live.url + "/")
    assert page.locator("h1").inner_text() == "What the DeepSeek debate disagrees about"
    dispute = page.locator("article.dispute", has_text=GPU_QUESTION)
    assert dispute.locator(".rival").count() >= 2
    shoot(page, screenshot_dir, "home")

    dispute.locator(".rival", has_text="50,000").locator("a.rival-value").first.click()
    page.wait_for_url(re.compile(r"/claims/c-"))
    assert "GPU count" in page.locator("h1").inner_text()
    assert page.locator(".claim-status .badge").inner_text().lower() == "disputed"
    assert page.locator("svg.spread-chart .row").count() >= 2
    asserter = page.locator(".evidence .evidence-meta a[href^='/entities/']").first.inner_text()
    claim_url = page.url
    log_in(page, live.url)  # as an editor, so the evidence counts at once
    page.goto(claim_url)

    # First without a quote: the form comes back with the message next to the field and the data kept.
    page.get_by_label("Disputes this claim").check()
    page.get_by_label("Title").fill("A rebuttal")
    page.get_by_label("Who asserts it").fill(asserter)
    page.get_by_role("button", name="Add evidence").click()
    assert page.locator("#quote-error").inner_text().startswith("quote is required")
    assert page.get_by_label("Quote").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Title").input_value() == "A rebuttal"
    assert page.get_by_label("Disputes this claim").is_checked()

    # Then correctly: the claim page shows the new evidence and the recomputed status.
    quote = f"{asserter} now says the 50,000 figure was a guess."
    page.get_by_label("Quote").fill(quote)
    page.get_by_role("button", name="Add evidence").click()
    page.wait_for_url(re.compile(r"/claims/c-[^?]+\?added=e-"))
    assert "Your evidence was added" in page.locator(".flash").inner_text()
    added = page.locator("article.evidence.just-added")
    assert quote in added.inner_text() and "disputes" in added.inner_text().lower()
    # the asserter disputing their own figure refutes it
    assert page.locator(".claim-status .badge").inner_text().lower() == "refuted"
    assert "changed from" in page.locator(".flash").inner_text()
    # the only console noise allowed is Chromium reporting the 422 of the refused form
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_an_editor_logs_in_and_accepts_a_readers_pending_evidence(live, page, screenshot_dir, console_errors):
    claim = live.client.get("/api/claims", params={"status": "corroborated"}).json()["items"][0]
    body = {"stance": "disputes", "quote": "Our audit found no such cluster.", "source_title": "An audit",
            "asserted_by": "Audit Desk"}
    held = live.reader.post(f"/api/claims/{claim['id']}/evidence", json=body)
    assert held.status_code == 202 and held.json()["review"] == "pending"

    page.goto(live.url + "/moderation")  # anonymous: sent to the login page first, and back after
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Name").fill(EDITOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/moderation$"))
    item = page.locator(f"li[id='{held.json()['id']}']")
    assert "Our audit found no such cluster." in item.inner_text()
    shoot(page, screenshot_dir, "moderation")

    # rejecting needs a comment: the queue comes back with the message by the item
    item.get_by_role("button", name="Reject").click()
    assert "comment is required" in page.locator(f"li[id='{held.json()['id']}'] .field-error").inner_text()
    item = page.locator(f"li[id='{held.json()['id']}']")
    item.get_by_label("Comment").fill("Checked: the audit is credible.")
    item.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r"/moderation\?done="))
    assert "was accepted" in page.locator(".flash").inner_text()
    assert page.locator(f"li[id='{held.json()['id']}']").count() == 0

    page.locator(".flash a").click()
    page.wait_for_url(re.compile(rf"/claims/{claim['id']}"))
    assert page.locator(".claim-status .badge").inner_text().lower() == "disputed"
    history = page.locator(".history li").last.inner_text().lower()
    assert "disputed" in history and EDITOR in history and "checked: the audit is credible." in history
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_claim_and_source_pages_link_quotes_to_highlighted_passages(
    site, page, screenshot_dir, console_errors
):
    claim_id = site.client.get("/api/claims", params={"metric": "gpu_count", "status": "disputed"}).json()[
        "items"
    ][0]["id"]
    page.goto(f"{site.url}/claims/{claim_id}")
    shoot(page, screenshot_dir, "claim")
    evidence = page.locator("article.evidence").first
    evidence_id = evidence.get_attribute("id")
    evidence.locator(".evidence-source a").first.click()
    page.wait_for_url(re.compile(r"/sources/s-"))
    assert page.url.endswith(f"#{evidence_id}")
    assert page.locator(f"[id='{evidence_id}']").count() == 1
    current = page.locator(".source-text mark.current").first
    assert current.is_visible()
    assert page.locator(".source-text a.figure").count() >= 1
    shoot(page, screenshot_dir, "source")
    assert not console_errors


def test_graph_page_draws_without_console_errors(site, page, screenshot_dir, console_errors):
    page.goto(site.url + "/graph")
    page.wait_for_selector("#cy[data-ready='true'] canvas")
    disputes_only = int(page.locator("#cy").get_attribute("data-nodes"))
    assert disputes_only > 5
    page.wait_for_timeout(200)
    shoot(page, screenshot_dir, "graph")
    page.select_option("#g-view", "all")
    expect(page.locator("#cy")).not_to_have_attribute("data-nodes", str(disputes_only))
    page.wait_for_selector("#cy[data-ready='true'] canvas")
    assert int(page.locator("#cy").get_attribute("data-nodes")) > disputes_only
    page.get_by_label("Find").fill("GPU count")
    assert not console_errors, console_errors


def test_filters_work_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "/claims")
    page.select_option("#f-status", "disputed")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"status=disputed"))
    badges = page.locator("#results .badge").all_inner_texts()
    assert badges and {b.lower() for b in badges} == {"disputed"}
    context.close()


def test_htmx_updates_the_list_in_place(site, page, console_errors):
    page.goto(site.url + "/claims")
    page.evaluate("window.__marker = 'same page'")
    page.select_option("#f-status", "corroborated")
    page.wait_for_url(re.compile(r"status=corroborated"))
    expect(page.locator("#results .badge").first).to_have_text("corroborated")
    assert set(page.locator("#results .badge").all_inner_texts()) == {"CORROBORATED"}
    assert page.evaluate("window.__marker") == "same page"  # swapped by htmx, not reloaded
    assert not console_errors


@pytest.mark.parametrize(
    "path", ["/", "/claims", "/sources", "/graph", "/entities/deepseek", "claim", "source"]
)
def test_pages_fit_a_phone_screen(site, browser, path):
    if path == "claim":
        path = (
            "/claims/"
            + site.client.get("/api/claims", params={"metric": "gpu_count"}).json()["items"][0]["id"]
        )
    elif path == "source":
        path = "/sources/" + site.client.get("/api/sources").json()[0]["id"]
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, device_scale_factor=1, is_mobile=True
    )
    page = context.new_page()
    page.goto(site.url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


def test_the_api_docs_work_offline(site, page, console_errors):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(site.url + "/docs")
    page.wait_for_selector(".opblock-summary-path")
    assert "/api/claims/{claim_id}/evidence" in page.locator(".swagger-ui").inner_text()
    assert all(url.startswith(site.url) for url in requested), requested
    assert not console_errors


def test_the_evidence_form_finds_a_source_by_its_words_as_one_types(site, page, console_errors):
    """The form offers the claim's own and the most cited sources, and a search box that asks the server
    for the sources whose title holds what is typed (the list never holds every source of a large site)."""
    sources = site.client.get("/api/sources", params={"per_page": 500}).json()
    target = sources[-1]
    word = max(target["title"].split(), key=len)
    claim_id = site.client.get("/api/claims").json()["items"][0]["id"]
    page.goto(f"{site.url}/claims/{claim_id}")
    page.get_by_label("Find a source").fill(word)
    options = page.locator("#source_id option:not([disabled])")
    page.wait_for_function(
        "word => [...document.querySelectorAll('#source_id option')].slice(1)"
        ".every(o => o.disabled || o.textContent.toLowerCase().includes(word.toLowerCase()))",
        arg=word,
    )
    offered = options.evaluate_all("os => os.map(o => o.value).filter(Boolean)")
    expected = site.client.get("/api/sources", params={"q": word}).json()
    assert target["id"] in offered and offered == [s["id"] for s in expected][: len(offered)]
    page.locator("#source_id").select_option(target["id"])
    assert console_errors == []

