"""Shared fixtures: where the Commission's reference workbooks are, and costly objects built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cbamcalc.refdata import source_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Folder holding ``cbam_templates/``: the checkout's ``tests/data/`` (``../shared`` as a fallback).

    The Commission's files ship with the repository (``tests/data/PROVENANCE.md``), so this skips only
    in a checkout whose ``tests/data/cbam_templates/`` was removed.
    """
    folder = source_dir()
    if folder is None:
        pytest.skip("tests/data/cbam_templates is not present")
    return folder


@pytest.fixture(scope="session")
def templates_dir(shared_dir: Path) -> Path:
    return shared_dir / "cbam_templates"
