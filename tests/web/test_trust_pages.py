"""Logging in and out, the anonymous form held for moderation, the moderation page: as browsers post them."""

from __future__ import annotations

import httpx

from tests.web.conftest import EDITOR, PASSWORD, READER
from tests.web.test_pages import HTML, Page, get_page, log_in, post_form
from web.auth import SESSION_COOKIE


def as_browser(url: str, session_cookie: str) -> httpx.Client:
    """Another client presenting this session cookie (a replayed or forged one)."""
    return httpx.Client(base_url=url, cookies={SESSION_COOKIE: session_cookie}, timeout=10)


def csrf_of(client, path) -> str:
    return get_page(client, path).find("input", name="csrf_token")[0]["value"]


def test_an_anonymous_readers_form_is_held_for_moderation_and_the_page_says_so(live):
    claim = live.client.get("/api/claims", params={"status": "corroborated"}).json()["items"][0]
    before = live.client.get(f"/api/claims/{claim['id']}").json()
    token = csrf_of(live.client, f"/claims/{claim['id']}")
    form = {
        "stance": "disputes",
        "quote": "No such thing happened.",
        "source_title": "A letter",
        "csrf_token": token,
    }
    response = live.client.post(
        f"/claims/{claim['id']}/evidence", data=form, headers=HTML, follow_redirects=False
    )
    assert response.status_code == 303 and "?held=e-" in response.headers["location"]
    page = live.client.get(response.headers["location"], headers=HTML).text
    assert "held for moderation" in page and "1 awaiting moderation" in page
    after = live.client.get(f"/api/claims/{claim['id']}").json()
    assert after["status"] == before["status"] == "corroborated" and after["evidence"] == before["evidence"]
    queued = live.editor.get("/api/moderation").json()["items"]
    assert [(q["quote"], q["added_by"]) for q in queued] == [("No such thing happened.", "anonymous reader")]


def test_login_refuses_a_wrong_password_and_a_missing_csrf_token(live):
    token = csrf_of(live.client, "/login")
    wrong = live.client.post(
        "/login", data={"name": EDITOR, "password": "nope", "csrf_token": token}, headers=HTML
    )
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    assert SESSION_COOKIE not in live.client.cookies
    unknown = live.client.post(
        "/login", data={"name": "ghost", "password": PASSWORD, "csrf_token": token}, headers=HTML
    )
    assert unknown.status_code == 401
    no_token = live.client.post("/login", data={"name": EDITOR, "password": PASSWORD}, headers=HTML)
    assert no_token.status_code == 403 and SESSION_COOKIE not in live.client.cookies


def test_login_sets_a_signed_httponly_lax_cookie_and_goes_on_to_next(live):
    token = csrf_of(live.client, "/login?next=/moderation")
    form = {"name": EDITOR, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"}
    response = live.client.post("/login", data=form, headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"  # never off-site
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    home = live.client.get("/", headers=HTML).text
    assert f"Signed in as <strong>{EDITOR}</strong>" in home
    assert Page(home).find("a", href="/moderation") and Page(home).find("form", action="/logout")
    assert get_page(live.client, "/moderation")
    tampered = live.client.cookies[SESSION_COOKIE][:-2] + "00"
    other = as_browser(live.url, tampered).get("/moderation", headers=HTML)
    assert other.status_code == 303  # a forged cookie is nobody


def test_logout_needs_its_csrf_token_and_revokes_the_session(live):
    log_in(live.client)
    stolen = live.client.cookies[SESSION_COOKIE]
    assert live.client.post("/logout", data={}, headers=HTML).status_code == 403
    assert live.client.get("/moderation", headers=HTML, follow_redirects=False).status_code == 200
    token = csrf_of(live.client, "/")
    out = live.client.post("/logout", data={"csrf_token": token}, headers=HTML, follow_redirects=False)
    assert out.status_code == 303 and SESSION_COOKIE not in live.client.cookies
    replay = as_browser(live.url, stolen).get("/moderation", headers=HTML)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_the_moderation_page_is_for_editors(live):
    anonymous = live.client.get("/moderation", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=%2Fmoderation"
    log_in(live.client, READER)
    assert live.client.get("/moderation", headers=HTML).status_code == 403
    assert live.client.get("/api/moderation").status_code == 403  # the session cookie works for the API too
    log_in(live.client, EDITOR)
    page = get_page(live.client, "/moderation")
    assert page.find("link", rel="alternate", href="/api/moderation")
    assert "Nothing waits for moderation." in live.client.get("/moderation", headers=HTML).text


def test_the_moderation_form_needs_csrf_and_a_comment_to_reject(live):
    claim = live.client.get("/api/claims", params={"status": "corroborated"}).json()["items"][0]
    body = {"stance": "disputes", "quote": "Wrong.", "source_title": "A post"}
    pending = live.reader.post(f"/api/claims/{claim['id']}/evidence", json=body).json()
    log_in(live.client)
    page = get_page(live.client, "/moderation")
    labelled = {a.get("for") for a in page.find("label")}
    assert f"comment-{pending['id']}" in labelled
    url = f"/moderation/{pending['id']}"
    forged = live.client.post(url, data={"decision": "accept"}, headers=HTML)
    assert forged.status_code == 403
    token = csrf_of(live.client, "/moderation")
    bare = live.client.post(
        url, data={"decision": "reject", "comment": "", "csrf_token": token}, headers=HTML
    )
    assert bare.status_code == 422 and "comment is required" in bare.text
    assert live.client.get(f"/api/claims/{claim['id']}").json()["pending_count"] == 1
    done = live.client.post(
        url,
        data={"decision": "reject", "comment": "no source", "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/moderation?done={pending['id']}"
    back = live.client.get(done.headers["location"], headers=HTML).text
    assert f"Evidence {pending['id']} was rejected." in back
    view = live.client.get(f"/api/claims/{claim['id']}").json()
    assert view["pending_count"] == 0 and view["rejected_count"] == 1
    log = live.editor.get("/api/audit", params={"target": f"evidence:{pending['id']}"}).json()["items"]
    assert "no source" in [e["reason"] for e in log if e["action"] == "evidence.reject"]
    claim_page = live.client.get(f"/claims/{claim['id']}", headers=HTML).text
    assert "Set aside" in claim_page and "no source" in claim_page


def test_an_editor_retracts_evidence_from_the_claim_page(live):
    log_in(live.client)
    claim_id, response = post_form(
        live.client, stance="supports", quote="An extra voice.", source_title="Memo"
    )
    evidence_id = response.headers["location"].split("added=")[1].split("&")[0]
    page = get_page(live.client, f"/claims/{claim_id}")
    form = page.find("form", action=f"/evidence/{evidence_id}/retract")
    assert form and page.find("textarea", id=f"retract-{evidence_id}")
    token = page.find("input", name="csrf_token")[0]["value"]
    assert (
        live.client.post(f"/evidence/{evidence_id}/retract", data={"comment": "x"}, headers=HTML).status_code
        == 403
    )
    done = live.client.post(
        f"/evidence/{evidence_id}/retract",
        data={"comment": "duplicate", "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    view = live.client.get(f"/api/claims/{claim_id}").json()
    assert evidence_id not in {e["id"] for e in view["evidence"]}
    assert view["set_aside"][-1]["id"] == evidence_id and view["set_aside"][-1]["review"] == "retracted"


def test_login_and_moderation_pages_are_accessible(live):
    log_in(live.client)
    for path in ("/moderation",):
        page = get_page(live.client, path)
        assert page.find("html", lang="en") and len(page.texts["h1"]) == 1
    live.client.cookies.clear()
    login = Page(live.client.get("/login", headers=HTML).text)
    labelled = {a.get("for") for a in login.find("label")}
    assert {"name", "password"} <= labelled
    assert login.find("input", id="password", type="password", autocomplete="current-password")
