"""Accounts, moderation and the audit trail through the JSON API of a real server."""

from __future__ import annotations

import pytest

from tests.web.conftest import EDITOR, READER

DISPUTE = {
    "stance": "disputes",
    "quote": "Our own count says otherwise.",
    "source_title": "A rebuttal",
    "source_url": "https://example.org/rebuttal",
    "asserted_by": "Independent Analyst",
}


def corroborated(client) -> dict:
    return client.get("/api/claims", params={"status": "corroborated"}).json()["items"][0]


def test_anonymous_writes_are_401_with_a_bearer_challenge_and_change_nothing(live):
    claim = corroborated(live.client)
    before = live.client.get(f"/api/claims/{claim['id']}").json()
    response = live.client.post(f"/api/claims/{claim['id']}/evidence", json=DISPUTE)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()) == {"detail"} and "Bearer" in response.json()["detail"]
    # malformed bodies from anonymous clients are refused for want of an account, before any parsing
    assert live.client.post(f"/api/claims/{claim['id']}/evidence", content="{nope").status_code == 401
    assert live.client.get(f"/api/claims/{claim['id']}").json() == before


@pytest.mark.parametrize("header", ["Bearer clm_not-a-token", "Bearer", "Basic dXNlcjpwYXNz"])
def test_a_bad_token_is_401_never_anonymous(live, header):
    claim = corroborated(live.client)
    response = live.client.post(
        f"/api/claims/{claim['id']}/evidence", json=DISPUTE, headers={"authorization": header}
    )
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_me_names_the_account_behind_the_token(live):
    assert live.editor.get("/api/me").json() == {"name": EDITOR, "role": "editor"}
    assert live.reader.get("/api/me").json() == {"name": READER, "role": "reader"}
    assert live.client.get("/api/me").status_code == 401


def test_a_readers_evidence_stays_pending_until_an_editor_accepts_it(live):
    claim = corroborated(live.client)
    url = f"/api/claims/{claim['id']}"
    before = live.client.get(url).json()
    held = live.reader.post(f"{url}/evidence", json=DISPUTE)
    assert held.status_code == 202, held.text
    pending = held.json()
    assert pending["review"] == "pending" and pending["added_by"] == READER
    assert pending["claim"]["status"] == pending["claim"]["previous_status"] == "corroborated"
    waiting = live.client.get(url).json()
    assert waiting["status"] == "corroborated" and waiting["reasons"] == before["reasons"]
    assert waiting["evidence"] == before["evidence"] and waiting["pending_count"] == 1
    assert waiting["history"] == before["history"]
    queue = live.editor.get("/api/moderation").json()
    assert [item["id"] for item in queue["items"]] == [pending["id"]] and queue["total"] == 1
    assert queue["items"][0]["claim"]["id"] == claim["id"]

    accepted = live.editor.post(f"/api/evidence/{pending['id']}/accept", json={"comment": "checked"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["claim"] == {
        "id": claim["id"],
        "status": "disputed",
        "previous_status": "corroborated",
    }
    after = live.client.get(url).json()
    assert after["status"] == "disputed" and after["pending_count"] == 0
    assert after["evidence"][-1]["id"] == pending["id"] and after["evidence"][-1]["review"] == "accepted"
    change = after["history"][-1]
    assert (change["from_status"], change["to_status"], change["cause"]) == (
        "corroborated",
        "disputed",
        "review",
    )
    assert (
        change["evidence_id"] == pending["id"] and change["actor"] == EDITOR and change["reason"] == "checked"
    )
    assert change["label"].startswith("disputed since ")
    assert live.client.get(f"{url}/history").json() == {
        "claim_id": claim["id"],
        "status": "disputed",
        "history": after["history"],
    }
    audit = live.editor.get("/api/audit", params={"target": f"evidence:{pending['id']}"}).json()["items"]
    assert [(e["action"], e["actor"]) for e in audit] == [
        ("evidence.accept", EDITOR),
        ("evidence.add", READER),
    ]
    assert audit[0]["reason"] == "checked" and audit[1]["detail"]["review"] == "pending"
    again = live.editor.post(f"/api/evidence/{pending['id']}/accept")
    assert again.status_code == 409 and "accepted" in again.json()["detail"]


def test_an_editors_evidence_goes_in_directly_with_a_status_history_entry(live):
    claim = corroborated(live.client)
    created = live.editor.post(f"/api/claims/{claim['id']}/evidence", json=DISPUTE)
    assert created.status_code == 201 and created.json()["review"] == "accepted"
    change = live.client.get(f"/api/claims/{claim['id']}/history").json()["history"][-1]
    assert (change["cause"], change["evidence_id"], change["actor"]) == (
        "evidence",
        created.json()["id"],
        EDITOR,
    )
    assert change["to_status"] == "disputed"


def test_rejecting_needs_a_comment_and_keeps_the_evidence_on_record(live):
    claim = corroborated(live.client)
    pending = live.reader.post(f"/api/claims/{claim['id']}/evidence", json=DISPUTE).json()
    for body in ({}, {"comment": "   "}):
        response = live.editor.post(f"/api/evidence/{pending['id']}/reject", json=body)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "comment"
    rejected = live.editor.post(
        f"/api/evidence/{pending['id']}/reject", json={"comment": "not a real source"}
    )
    assert rejected.status_code == 200 and rejected.json()["review"] == "rejected"
    view = live.client.get(f"/api/claims/{claim['id']}").json()
    assert view["status"] == "corroborated" and view["pending_count"] == 0
    # never accepted, so never public: the claim shows how many were rejected, not their words ...
    assert view["rejected_count"] == 1 and pending["id"] not in {e["id"] for e in view["set_aside"]}
    assert DISPUTE["quote"] not in live.client.get(f"/api/claims/{claim['id']}").text
    # ... and the decision is on record in the audit log, for editors
    log = live.editor.get("/api/audit", params={"target": f"evidence:{pending['id']}"}).json()["items"]
    decision = [e for e in log if e["action"] == "evidence.reject"]
    assert [(e["actor"], e["reason"]) for e in decision] == [(EDITOR, "not a real source")]
    assert live.editor.post(f"/api/evidence/{pending['id']}/accept").status_code == 409


def test_retraction_is_a_new_record_and_the_evidence_stops_counting(live):
    claim = corroborated(live.client)
    created = live.editor.post(f"/api/claims/{claim['id']}/evidence", json=DISPUTE).json()
    assert live.client.get(f"/api/claims/{claim['id']}").json()["status"] == "disputed"
    refused = live.editor.post(f"/api/evidence/{created['id']}/retract", json={"reason": ""})
    assert refused.status_code == 422
    retracted = live.editor.post(
        f"/api/evidence/{created['id']}/retract", json={"reason": "the quote was misread"}
    )
    assert retracted.status_code == 200 and retracted.json()["claim"]["status"] == "corroborated"
    view = live.client.get(f"/api/claims/{claim['id']}").json()
    assert view["status"] == "corroborated" and created["id"] not in {e["id"] for e in view["evidence"]}
    aside = view["set_aside"][-1]
    assert (
        aside["id"] == created["id"] and aside["quote"] == DISPUTE["quote"] and aside["review"] == "retracted"
    )
    moves = [(h["from_status"], h["to_status"], h["cause"]) for h in view["history"]][-2:]
    assert moves == [("corroborated", "disputed", "evidence"), ("disputed", "corroborated", "review")]
    actions = [
        e["action"]
        for e in live.editor.get("/api/audit", params={"target": f"evidence:{created['id']}"}).json()["items"]
    ]
    assert actions == ["evidence.retract", "evidence.add"]
    assert (
        live.editor.post(f"/api/evidence/{created['id']}/retract", json={"reason": "twice"}).status_code
        == 409
    )


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/moderation", None),
        ("get", "/api/audit", None),
        ("post", "/api/evidence/e-x/accept", {}),
        ("post", "/api/evidence/e-x/reject", {"comment": "no"}),
        ("post", "/api/evidence/e-x/retract", {"reason": "no"}),
    ],
)
def test_moderation_needs_an_editor(site, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    anonymous = getattr(site.client, method)(path, **kwargs)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    reader = getattr(site.reader, method)(path, **kwargs)
    assert reader.status_code == 403 and "reader" in reader.json()["detail"]
    if method == "post":
        assert (
            getattr(site.editor, method)(path, **kwargs).status_code == 404
        )  # an editor gets as far as the id


def test_the_audit_log_filters_and_pages(site):
    entries = site.editor.get("/api/audit", params={"target": "user"}).json()
    assert {(e["action"], e["target_id"]) for e in entries["items"]} >= {
        ("user.add", EDITOR),
        ("user.add", READER),
    }
    one = site.editor.get("/api/audit", params={"target": f"user:{READER}", "limit": 1}).json()["items"]
    assert len(one) == 1 and one[0]["target_id"] == READER
    assert site.editor.get("/api/audit", params={"limit": 0}).status_code == 422


def test_history_of_an_unknown_claim_is_404(api):
    response = api.get("/api/claims/c-nope/history")
    assert response.status_code == 404 and response.json() == {"detail": "no claim with id 'c-nope'"}


def test_openapi_documents_the_moderation_answers(api):
    schema = api.get("/openapi.json").json()
    post = schema["paths"]["/api/claims/{claim_id}/evidence"]["post"]
    assert {"201", "202", "401", "404", "422"} <= set(post["responses"])
    for path in (
        "/api/moderation",
        "/api/audit",
        "/api/claims/{claim_id}/history",
        "/api/evidence/{evidence_id}/accept",
    ):
        assert path in schema["paths"], path
