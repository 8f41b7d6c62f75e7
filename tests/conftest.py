"""Shared fixtures: where the Commission's reference workbooks are, and costly objects built once."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TEMPLATES = SHARED / "cbam_templates"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder beside the checkout (skips the test when absent)."""
    if not TEMPLATES.is_dir():
        pytest.skip("../shared/cbam_templates is not present")
    return SHARED


@pytest.fixture(scope="session")
def templates_dir(shared_dir: Path) -> Path:
    return shared_dir / "cbam_templates"
