"""The pages through a real server: each links to its JSON twin, works without JavaScript, is accessible."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import httpx
import pytest

from tests.web.conftest import EDITOR, PASSWORD
from web import csrf

HTML = {"accept": "text/html"}


class Page(HTMLParser):
    """The tags of a page with their attributes, plus the text of a few elements tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if "label" in self._open:
            attributes["(inside label)"] = "yes"
        self.tags.append((tag, attributes))
        if tag in ("h1", "label", "title", "p", "mark", "script"):
            self._open.append(tag)
            self.texts.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        for tag in self._open:
            self.texts[tag][-1] += data

    def find(self, tag, **attrs):
        return [
            a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


def get_page(client, path) -> Page:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


@pytest.fixture(scope="module")
def page_paths(site):
    api = site.client
    claim = api.get("/api/claims", params={"metric": "gpu_count", "status": "disputed"}).json()["items"][0]
    source = api.get("/api/sources").json()[0]
    return [
        "/",
        "/claims",
        "/claims?status=disputed&metric=gpu_count",
        f"/claims/{claim['id']}",
        "/sources",
        f"/sources/{source['id']}",
        "/entities",
        "/entities/deepseek",
        "/graph",
        "/graph?focus=entity:deepseek",
    ]


def test_every_page_links_to_the_api_resource_holding_its_data(site, page_paths):
    for path in page_paths:
        page = get_page(site.client, path)
        alternate = page.find("link", rel="alternate", type="application/json")
        assert len(alternate) == 1, path
        api_url = alternate[0]["href"]
        assert api_url.startswith("/api/"), path
        assert page.find("a", class_="api-link", href=api_url), path  # visible too, in the footer
        response = site.client.get(api_url)
        assert response.status_code == 200 and response.headers["content-type"] == "application/json", path


def test_pages_are_accessible_and_self_contained(site, page_paths):
    for path in page_paths:
        page = get_page(site.client, path)
        assert page.find("html", lang="en") and len(page.texts["h1"]) == 1, path
        labelled = {a.get("for") for a in page.find("label")}
        for tag, attrs in page.tags:
            if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
                assert attrs.get("id") in labelled or "(inside label)" in attrs or attrs.get("aria-label"), (
                    path,
                    attrs,
                )
        for tag, attrs in page.tags:
            resource = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
            assert not resource or resource.startswith("/"), (path, resource)  # vendored, never a CDN
        assert not any(text.strip() for text in page.texts.get("script", [])), path  # no inline script


def test_pages_carry_a_content_security_policy(api):
    response = api.get("/", headers=HTML)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_claim_page_shows_status_reasons_spread_evidence_and_the_form(site):
    claim = site.client.get("/api/claims", params={"metric": "gpu_count", "status": "disputed"}).json()[
        "items"
    ][0]
    data = site.client.get(f"/api/claims/{claim['id']}").json()
    page = get_page(site.client, f"/claims/{claim['id']}")
    assert page.texts["h1"] == [data["statement"]]
    text = html.unescape(site.client.get(f"/claims/{claim['id']}", headers=HTML).text)
    assert all(reason in text for reason in data["reasons"])
    assert page.find("svg", role="img")
    for ev in data["evidence"]:
        assert page.find("a", href=f"/sources/{ev['source']['id']}?evidence={ev['id']}#{ev['id']}")
    assert page.find("form", method="post", action=f"/claims/{claim['id']}/evidence#form-heading")
    assert page.find("input", type="hidden", name="csrf_token")


def test_the_source_page_highlights_every_figure_and_anchors_every_quote(site):
    source = site.client.get("/api/sources").json()[0]
    data = site.client.get(f"/api/sources/{source['id']}").json()
    page = get_page(site.client, f"/sources/{source['id']}")
    counted = [ev for ev in data["evidence"] if ev["review"] in ("accepted", "pending")]
    anchors = {a["id"] for a in page.find("span") if a.get("class") == "anchor"}
    assert {ev["id"] for ev in counted} <= anchors
    figure_links = {a["href"] for t, a in page.tags if t == "a" and a.get("class", "").startswith("figure")}
    assert {f"/claims/{ev['claim_id']}" for ev in counted if ev["value_start"] is not None} <= figure_links
    marked = "".join(page.texts["mark"])
    assert all(
        ev["value_text"] in marked for ev in counted if ev["value_text"] and ev["value_start"] is not None
    )


def test_unknown_pages_are_404_pages_for_browsers_and_json_for_scripts(api):
    page = api.get("/claims/c-nope", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "c-nope" in page.text
    script = api.get("/claims/c-nope")
    assert script.status_code == 404 and script.json() == {"detail": "no claim with id 'c-nope'"}
    assert api.get("/claims?page=0", headers=HTML).status_code == 422


def log_in(client, name=EDITOR, password=PASSWORD):
    """Sign in through the login form as a browser would (the client keeps the session cookie)."""
    token = get_page(client, "/login").find("input", name="csrf_token")[0]["value"]
    form = {"name": name, "password": password, "csrf_token": token, "next": "/"}
    response = client.post("/login", data=form, headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def post_form(client, **fields):
    """Open the first claim's page as a browser would, then post its evidence form with ``fields``."""
    claim_id = client.get("/api/claims").json()["items"][0]["id"]
    token = get_page(client, f"/claims/{claim_id}").find("input", name="csrf_token")[0]["value"]
    url = f"/claims/{claim_id}/evidence"
    return claim_id, client.post(
        url, data={**fields, "csrf_token": token}, headers=HTML, follow_redirects=False
    )


def test_the_form_refuses_a_post_without_its_csrf_token(live):
    claim_id = live.client.get("/api/claims").json()["items"][0]["id"]
    before = len(live.client.get(f"/api/claims/{claim_id}").json()["evidence"])
    form = {"stance": "supports", "quote": "Kept text", "source_title": "T"}
    live.client.cookies.clear()
    response = live.client.post(f"/claims/{claim_id}/evidence", data=form, headers=HTML)
    assert response.status_code == 403
    assert "expired" in response.text and "Kept text" in response.text
    forged = {**form, "csrf_token": csrf.sign("nonce", "another secret")}
    live.client.cookies.set(csrf.COOKIE, forged["csrf_token"])
    assert live.client.post(f"/claims/{claim_id}/evidence", data=forged, headers=HTML).status_code == 403
    assert len(live.client.get(f"/api/claims/{claim_id}").json()["evidence"]) == before


def test_a_form_error_keeps_the_data_and_shows_messages_by_the_fields(live):
    _, response = post_form(live.client, stance="maybe", quote="", source_url="ftp://nope", note="my <note>")
    assert response.status_code == 422
    page = Page(response.text)
    errors = {a["id"] for a in page.find("p") if a.get("class") == "field-error"}
    assert errors == {"stance-error", "quote-error", "source_title-error", "source_url-error"}
    assert page.find("input", id="source_url", value="ftp://nope")
    assert "my &lt;note&gt;" in response.text  # kept, and escaped


def test_the_form_appends_evidence_and_redirects_to_the_claim(live):
    log_in(live.client)  # an editor's evidence goes in directly
    quote = "<script>alert('x')</script> 42"
    claim_id, response = post_form(live.client, stance="supports", quote=quote, source_title="A note")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/claims/{claim_id}?added=e-")
    page = live.client.get(location, headers=HTML)
    assert "Your evidence was added" in page.text
    assert "&lt;script&gt;alert(" in page.text and "<script>alert(" not in page.text


def test_the_claims_list_shows_filters_with_counts_and_pages(site):
    page = get_page(site.client, "/claims?per_page=10")
    options = [a for t, a in page.tags if t == "option"]
    assert len(options) > 10
    assert page.find("a", rel="next")
    narrowed = get_page(site.client, "/claims?status=disputed&per_page=100")
    assert narrowed.find("option", value="disputed", selected="")


def test_the_form_can_cite_a_source_already_stored(live):
    log_in(live.client)
    source = live.client.get("/api/sources").json()[0]
    quote = live.client.get(f"/api/sources/{source['id']}").json()["text"][40:90]
    # picking a source from the list is enough, even with the "new source" choice left on
    claim_id, response = post_form(live.client, stance="supports", quote=quote, source_id=source["id"])
    assert response.status_code == 303
    evidence = live.client.get(f"/api/claims/{claim_id}").json()["evidence"][-1]
    assert evidence["source"]["id"] == source["id"] and evidence["quote"] == quote.strip()
    _, wrong = post_form(
        live.client,
        stance="supports",
        quote="not in it at all",
        source_id=source["id"],
        source_choice="existing",
    )
    assert wrong.status_code == 422 and "does not occur" in wrong.text


@pytest.mark.parametrize("path", ["/", "/claims", "/sources", "/entities", "claim"])
def test_pages_carry_an_etag_and_answer_304_while_unchanged(site, path):
    """Pages are revalidated as their JSON twins are: the same bytes give 304 Not Modified."""
    if path == "claim":
        path = "/claims/" + site.client.get("/api/claims").json()["items"][0]["id"]
    with httpx.Client(base_url=site.url, timeout=10, headers=HTML) as browser:
        first = browser.get(path)  # sets the CSRF cookie a page's forms need, once
        page = browser.get(path)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-cache"
        again = browser.get(path, headers={"if-none-match": page.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == page.headers["etag"]
        stale = browser.get(path, headers={"if-none-match": '"not-this-one"'})
        assert stale.status_code == 200 and stale.text == page.text
    assert first.status_code == 200
