"""Schemathesis over every operation of /openapi.json, against a live server: no 500s, answers as documented.

Each operation gets ``MAX_EXAMPLES`` valid requests, as many invalid ones, and (when its path names a
claim, source or entity) as many valid requests aimed at one that exists, so bodies reach the code that
stores them. The checks are schemathesis' defaults: not a server error, status codes, content types,
headers and bodies as the schema documents them, valid data accepted and invalid data refused.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.databases import copy_database
from tests.web.conftest import running_server

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 100


@pytest.fixture(scope="module")
def fuzzed(seeded_template, tmp_path_factory):
    """A server of its own (the fuzzer writes evidence), with writes unlimited so no case meets a 429."""
    path = tmp_path_factory.mktemp("fuzzed") / "claims.db"
    copy_database(seeded_template, path)
    with running_server(path, write_rate=0) as server:
        yield server


def existing_ids(client) -> dict[str, str]:
    """A real id for every kind of path parameter."""
    claim = client.get("/api/claims").json()["items"][0]
    return {
        "claim_id": claim["id"],
        "source_id": client.get("/api/sources").json()[0]["id"],
        "entity_id": claim["subject"]["id"],
    }


# Whether a schema-valid body is accepted depends on stored data JSON Schema cannot see: the cited
# source must exist and contain the quote, and a new source needs a title. Those get a 422 by design.
DATA_DEPENDENT = {"POST /api/claims/{claim_id}/evidence": [positive_data_acceptance]}


def fuzz(operation, mode: GenerationMode, path_parameters: dict[str, str] | None, session) -> None:
    """Run ``MAX_EXAMPLES`` cases of one operation; raise what schemathesis finds."""
    excluded = DATA_DEPENDENT.get(operation.label, [])

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=MAX_EXAMPLES,
        # CI replays one fixed sequence (a landing must not hang on a lucky draw); elsewhere runs explore
        derandomize=bool(os.environ.get("CI")),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(session=session, excluded_checks=excluded)

    run()


def plan(operation, ids: dict[str, str]) -> list[tuple[str, GenerationMode, dict[str, str] | None]]:
    """Valid and invalid requests, and the same again aimed at stored rows when the path names one."""
    names = [p.name for p in operation.path_parameters]
    runs: list[tuple[str, GenerationMode, dict[str, str] | None]] = [
        ("valid", GenerationMode.POSITIVE, None),
        ("invalid", GenerationMode.NEGATIVE, None),
    ]
    if names and all(name in ids for name in names):
        existing = {name: ids[name] for name in names}
        runs += [
            ("valid, existing ids", GenerationMode.POSITIVE, existing),
            ("invalid, existing ids", GenerationMode.NEGATIVE, existing),
        ]
    return runs


def test_every_operation_answers_as_documented(fuzzed):
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")
    ids = existing_ids(fuzzed.client)
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {op.label for op in operations}
    assert {"GET /api/claims/{claim_id}", "POST /api/claims/{claim_id}/evidence"} <= documented
    failures: dict[str, str] = {}
    session = requests.Session()  # one keep-alive connection for every case
    for operation in operations:
        for label, mode, path_parameters in plan(operation, ids):
            try:
                fuzz(operation, mode, path_parameters, session)
            except Unsatisfiable:
                # no invalid request exists (a path of one free string, no query): nothing to send
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - try every operation, report all
                failures[f"{operation.label} ({label})"] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{where}:\n{what}" for where, what in failures.items())
