"""Every route x every role x no token, generated from the app's own routes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_support import FakeWorld, bearer
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from gateway.api.auth import Authorize
from gateway.api.examples import SUBMIT_EXAMPLES
from gateway.api.policy import Permission, Role, allows

# Routes reachable without a bridge token, each with the reason.
OPEN_PATHS = {
    "/health/live": "liveness probe",
    "/health/ready": "readiness probe",
    "/openapi.json": "the API description is public",
    "/docs": "Swagger UI over the public description",
    "/docs/oauth2-redirect": "Swagger UI helper",
    "/redoc": "ReDoc over the public description",
    "/as2": "AS2 authenticates itself (signatures, encryption, partner AS2 IDs)",
}
# Modules of other entry points with their own authentication (tested in their own suites).
OTHER_AUTH_MODULES = {
    "gateway.ui": "the monitor uses its own session login and CSRF (tests/ui)",
    "gateway.api.as2_routes": "AS2 authenticates itself (tests/as2_service)",
}
OTHER_AUTH_MOUNTS = {"/ui-static": "monitor assets"}


def _authorize_of(dependant: Dependant) -> list[Authorize]:
    found = [d.call for d in dependant.dependencies if isinstance(d.call, Authorize)]
    for sub in dependant.dependencies:
        found.extend(_authorize_of(sub))
    return found


def _other_entry_point(route: object) -> bool:
    module = getattr(getattr(route, "endpoint", None), "__module__", "") or ""
    return any(module == m or module.startswith(m + ".") for m in OTHER_AUTH_MODULES)


def _exempt(path: str, route: object) -> bool:
    return path in OPEN_PATHS or path in OTHER_AUTH_MOUNTS or _other_entry_point(route)


def test_every_route_has_an_auth_rule(fake_world: FakeWorld) -> None:
    missing = []
    for context in iter_route_contexts(fake_world.app.routes):
        path = context.path or repr(context.original_route)
        route = context.original_route
        if _exempt(path, route):
            continue
        if not isinstance(route, APIRoute) or len(_authorize_of(route.dependant)) != 1:
            missing.append(path)
    assert not missing, f"routes without exactly one Authorize rule (add one or list them as open): {missing}"


def _fill(world: FakeWorld, path: str) -> str:
    doc = world.backend.add("amazon", "850", "inbound", "delivered", po_number="PO-1")
    values = {
        "document_id": doc.id,
        "delivery_id": world.backend.add_delivery(doc.id).id,
        "message_id": world.backend.add_message("amazon").id,
        "partner_id": "amazon",
        "document_type": "850",
        "token_id": world.backend.create_token(Role.INTEGRATION, None, "spare").id,
    }

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no sample value for path parameter {name!r} of {path}; add one to this test"
        return values[name]

    return re.sub(r"\{(\w+)\}", sub, path)


def _body(path: str) -> dict[str, Any] | None:
    last = path.rsplit("/", 1)[-1]
    if last in SUBMIT_EXAMPLES:
        return {**SUBMIT_EXAMPLES[last], "partner": "amazon"}
    if path.endswith("/translate"):
        return {"partner": "amazon", "direction": "json-to-x12", "document_type": "855", "document": {"a": 1}}
    if path.endswith("/tokens"):
        return {"role": "integration", "partner": "amazon", "name": "new"}
    return None


def _cases(world: FakeWorld) -> list[tuple[str, str, Permission | None]]:
    cases = []
    for context in iter_route_contexts(world.app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None or _other_entry_point(route):
            continue
        rules = _authorize_of(route.dependant)
        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            cases.append((method, context.path, rules[0].permission if rules else None))
    return cases


@pytest.mark.parametrize("who", ["none", "integration", "analyst", "admin"])
def test_route_role_matrix(fake_world: FakeWorld, who: str) -> None:
    failures = []
    for method, path, permission in _cases(fake_world):
        url = _fill(fake_world, path)
        headers = {"Idempotency-Key": f"matrix-{who}-{method}-{url}"}
        if who != "none":
            headers |= bearer(fake_world.tokens[who])
        response = fake_world.client.request(method, url, headers=headers, json=_body(path))
        if permission is None:
            expected = "2xx"
            ok = response.status_code < 300
        elif who == "none":
            expected, ok = "401", response.status_code == 401
        elif not allows(Role(who), permission):
            expected, ok = "403", response.status_code == 403
        else:
            expected, ok = "2xx", response.status_code < 300
        if ok and response.status_code >= 400:
            ok = response.headers["content-type"] == "application/problem+json"
        if not ok:
            failures.append(
                f"{who} {method} {url}: expected {expected}, got {response.status_code} {response.text[:200]}"
            )
    assert not failures, "\n".join(failures)


def test_matrix_covers_every_permission(fake_world: FakeWorld) -> None:
    used = {p for _, _, p in _cases(fake_world) if p is not None}
    assert used == set(Permission), f"permissions no route uses: {set(Permission) - used}"


def test_revoked_token_is_refused(fake_world: FakeWorld) -> None:
    issued = fake_world.backend.create_token(Role.ANALYST, None, "temp")
    assert fake_world.client.get("/api/v1/partners", headers=bearer(issued.token)).status_code == 200
    admin = bearer(fake_world.tokens["admin"])
    assert fake_world.client.delete(f"/api/v1/tokens/{issued.id}", headers=admin).status_code == 200
    response = fake_world.client.get("/api/v1/partners", headers=bearer(issued.token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "the token is unknown or revoked"


def test_integration_token_sees_only_its_partner(fake_world: FakeWorld) -> None:
    theirs = fake_world.backend.add("walmart", "850", "inbound", "delivered", po_number="W-1")
    mine = fake_world.backend.add("amazon", "850", "inbound", "delivered", po_number="A-1")
    headers = bearer(fake_world.tokens["integration"])
    assert fake_world.client.get(f"/api/v1/documents/{theirs.id}", headers=headers).status_code == 404
    assert fake_world.client.get(f"/api/v1/documents/{mine.id}", headers=headers).status_code == 200
    listed = fake_world.client.get("/api/v1/documents", params={"partner": "walmart"}, headers=headers).json()
    assert listed["items"] == []
    fake_world.backend.add_delivery(theirs.id)
    mine_delivery = fake_world.backend.add_delivery(mine.id)
    deliveries = fake_world.client.get("/api/v1/deliveries", headers=headers).json()["items"]
    assert [d["id"] for d in deliveries] == [mine_delivery.id]
    assert (
        fake_world.client.get("/api/v1/deliveries", params={"document_id": theirs.id}, headers=headers).status_code
        == 404
    )
    pulled = fake_world.client.get("/api/v1/queue", headers=headers).json()
    assert {d["partner"] for d in pulled} == {"amazon"}
    body = {**SUBMIT_EXAMPLES["850"], "partner": "walmart"}
    response = fake_world.client.post("/api/v1/documents/850", json=body, headers=headers | {"Idempotency-Key": "x"})
    assert response.status_code == 403
