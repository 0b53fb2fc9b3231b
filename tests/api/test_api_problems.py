"""RFC 9457 problem documents: shape, media type, and the field or segment that failed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from api_support import FakeWorld, bearer

from gateway import errors
from gateway.api.examples import SUBMIT_EXAMPLES
from gateway.x12.issues import Issue, Level

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "issues"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("https://acorn.example/problems/")
    return body


def test_unknown_route_is_a_problem(fake_world: FakeWorld) -> None:
    body = _problem(fake_world.client.get("/api/v1/nowhere"), 404)
    assert body["instance"] == "/api/v1/nowhere"


def test_invalid_body_names_each_field(fake_world: FakeWorld) -> None:
    headers = bearer(fake_world.tokens["admin"]) | {"Idempotency-Key": "k1"}
    response = fake_world.client.post("/api/v1/documents/855", json={"document": [], "extra": 1}, headers=headers)
    body = _problem(response, 422)
    assert body["type"].endswith("/validation")
    locations = {issue["location"] for issue in body["issues"]}
    assert locations == {"/partner", "/document", "/extra"}


def test_missing_idempotency_key_is_named(fake_world: FakeWorld) -> None:
    response = fake_world.client.post(
        "/api/v1/documents/855", json=SUBMIT_EXAMPLES["855"], headers=bearer(fake_world.tokens["admin"])
    )
    body = _problem(response, 422)
    assert [i["location"] for i in body["issues"]] == ["header.Idempotency-Key"]


def test_bad_query_parameter_is_named(fake_world: FakeWorld) -> None:
    response = fake_world.client.get(
        "/api/v1/documents", params={"limit": 0, "direction": "sideways"}, headers=bearer(fake_world.tokens["admin"])
    )
    body = _problem(response, 422)
    assert {i["location"] for i in body["issues"]} == {"query.limit", "query.direction"}


def test_canonical_document_errors_name_each_field(fake_world: FakeWorld) -> None:
    document = copy.deepcopy(SUBMIT_EXAMPLES["855"]["document"])
    del document["acknowledgementDate"]
    document["items"][0]["itemAcknowledgements"][0]["acknowledgedQuantity"] = {"unitOfMeasure": "EA"}
    document["items"][0]["colour"] = "red"
    headers = bearer(fake_world.tokens["admin"]) | {"Idempotency-Key": "k3"}
    response = fake_world.client.post(
        "/api/v1/documents/855", json={"partner": "amazon", "document": document}, headers=headers
    )
    body = _problem(response, 422)
    assert {(i["location"], i["message"]) for i in body["issues"]} == {
        ("/document/acknowledgementDate", "Field required"),
        ("/document/items/0/itemAcknowledgements/0/acknowledgedQuantity/amount", "Field required"),
        ("/document/items/0/colour", "Extra inputs are not permitted"),
    }
    assert fake_world.backend.documents == {}


def test_mapping_error_carries_the_field(fake_world: FakeWorld) -> None:
    headers = bearer(fake_world.tokens["admin"]) | {"Idempotency-Key": "k2"}
    document = SUBMIT_EXAMPLES["855"]["document"] | {"purchaseOrderNumber": "MAP-FAIL"}
    response = fake_world.client.post(
        "/api/v1/documents/855", json={"partner": "amazon", "document": document}, headers=headers
    )
    body = _problem(response, 422)
    assert body["type"].endswith("/mapping")
    assert body["issues"] == [{"location": "/document/purchaseOrderNumber", "message": body["detail"]}]
    assert "BAK03" in body["detail"]


class _Issue:
    def __init__(self, segment_id: str, element: str, message: str) -> None:
        self.segment_id, self.element, self.message = segment_id, element, message


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (errors.GrammarError("BAK02 'ZZ' is not a valid code"), 422, "grammar"),
        (errors.X12ReadError("no ISA segment", offset=0), 422, "x12"),
        (errors.NotFoundError("no document 'x'"), 404, "not-found"),
        (errors.IdempotencyConflictError("key reused with another body"), 409, "idempotency-conflict"),
        (errors.SchemaOutOfDateError("run acorn db upgrade"), 503, "unavailable"),
    ],
)
def test_acorn_errors_map_to_problems(fake_world: FakeWorld, error: Exception, status: int, kind: str) -> None:
    def fail(document_id: str) -> Any:
        raise error

    fake_world.backend.get_document = fail  # type: ignore[method-assign]
    response = fake_world.client.get("/api/v1/documents/x", headers=bearer(fake_world.tokens["admin"]))
    body = _problem(response, status)
    assert body["type"].endswith("/" + kind)
    assert body["detail"] == str(error)


def test_grammar_issues_name_segment_and_element(fake_world: FakeWorld) -> None:
    error = errors.GrammarError("855 fails its grammar")
    error.issues = [_Issue("BAK", "02", "'ZZ' is not a valid code for element 353")]  # type: ignore[attr-defined]

    def fail(document_id: str) -> Any:
        raise error

    fake_world.backend.get_document = fail  # type: ignore[method-assign]
    body = _problem(fake_world.client.get("/api/v1/documents/x", headers=bearer(fake_world.tokens["admin"])), 422)
    assert body["issues"] == [
        {"location": "segment_id=BAK element=02", "message": "'ZZ' is not a valid code for element 353"}
    ]


def test_x12_issues_say_where_and_what_was_expected(fake_world: FakeWorld) -> None:
    error = errors.GrammarError("855 fails its grammar")
    error.issues = [  # type: ignore[attr-defined]
        Issue(
            Level.ELEMENT,
            "7",
            "invalid code value",
            interchange="000000101",
            group="101",
            transaction_set="0001",
            segment_id="BAK",
            segment_position=2,
            element_position=2,
            expected="AC|AD",
            found="ZZ",
        )
    ]

    def fail(document_id: str) -> Any:
        raise error

    fake_world.backend.get_document = fail  # type: ignore[method-assign]
    body = _problem(fake_world.client.get("/api/v1/documents/x", headers=bearer(fake_world.tokens["admin"])), 422)
    assert body["issues"] == [
        {
            "location": "ISA13 000000101 / GS06 101 / ST02 0001 / segment 2 BAK, element 02",
            "message": "invalid code value",
            "code": "7",
            "expected": "AC|AD",
            "found": "ZZ",
        }
    ]


def test_unexpected_error_hides_internals(fake_world: FakeWorld) -> None:
    def fail(document_id: str) -> Any:
        raise RuntimeError("secret connection string")

    fake_world.backend.get_document = fail  # type: ignore[method-assign]
    response = fake_world.client.get("/api/v1/documents/x", headers=bearer(fake_world.tokens["admin"]))
    body = _problem(response, 500)
    assert "secret" not in response.text
    assert body["type"].endswith("/internal")


def test_forbidden_names_the_missing_permission(fake_world: FakeWorld) -> None:
    response = fake_world.client.post("/api/v1/documents/x/retry", headers=bearer(fake_world.tokens["integration"]))
    body = _problem(response, 403)
    assert body["detail"] == "role integration lacks the retry permission"
