"""tests/data: every public file the tests and the build read is in the repository, with its provenance."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
ROW = re.compile(r"^\| `([^`]+)` \| [^|]+ \| ([\d,]+) \| `([0-9a-f]{64})` \|$", re.M)


def _listed() -> dict[str, tuple[int, str]]:
    text = (DATA / "PROVENANCE.md").read_text(encoding="utf-8")
    return {name: (int(size.replace(",", "")), sha) for name, size, sha in ROW.findall(text)}


def test_every_file_is_listed_with_its_size_and_sha256():
    listed = _listed()
    files = sorted(p.relative_to(DATA / "cbam_templates").as_posix()
                   for p in (DATA / "cbam_templates").rglob("*") if p.is_file())
    assert sorted(listed) == files
    for name, (size, sha) in listed.items():
        data = (DATA / "cbam_templates" / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha), name


def test_the_blank_is_not_stored_twice():
    blank = DATA / "cbam_templates" / "official" / \
        "CBAM_Communication_template_for_installations_en_20241213_v2.1.1_BLANK.xlsx"
    if not blank.is_symlink():
        pytest.skip("checkout without symbolic links (the link is a copy here)")
    assert blank.resolve() == (TESTS.parent / "cbamcalc" / "io" / "templates" / blank.name).resolve()


def test_no_test_reads_files_from_outside_the_repository():
    # the Commission's files are under tests/data (cbamcalc.refdata.source_dir); ../shared is only a fallback
    outside = re.compile(r"""parent\s*/\s*["']shared["']|["']\.\./shared""")
    found = [p.relative_to(TESTS).as_posix() for p in TESTS.rglob("*.py") if outside.search(p.read_text("utf-8"))]
    assert found == []
