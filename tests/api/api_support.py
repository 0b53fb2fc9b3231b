"""Shared helpers of the JSON bridge tests (kept out of conftest so test modules import them by a unique name)."""

from __future__ import annotations

from dataclasses import dataclass

from api_fakes import FakeBackend
from fastapi import FastAPI
from fastapi.testclient import TestClient


@dataclass
class FakeWorld:
    """An app over a FakeBackend with one token per role and a few objects to address."""

    app: FastAPI
    client: TestClient
    backend: FakeBackend
    tokens: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
