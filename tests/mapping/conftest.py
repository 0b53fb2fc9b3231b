"""Shared fixtures for the mapping tests: the real partner profiles and maps of the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.partners import PartnerRegistry, load_registry

REPO = Path(__file__).resolve().parents[2]
MAPS_DIR = REPO / "maps"
PARTNERS_DIR = REPO / "partners"


@pytest.fixture(scope="session")
def registry() -> PartnerRegistry:
    return load_registry(PARTNERS_DIR)
