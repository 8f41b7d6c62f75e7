"""cbamcalc.extract: the generated tables are what the extractor makes from the Commission's workbooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cbamcalc import extract, extract_v2
from cbamcalc.errors import ReferenceDataError

ROOT = Path(__file__).resolve().parent.parent
EF = ROOT / "emission_factors"


@pytest.fixture(scope="session")
def regenerated(shared_dir: Path) -> dict[str, bytes]:
    """Every generated table, made again in memory from shared/ (the workbooks are read once per session)."""
    return dict(extract.generated_tables(shared_dir, EF))


def test_rerun_finds_no_difference(regenerated):
    assert sorted(regenerated) == sorted(
        [extract.DEFAULT_VALUES_CSV, extract_v2.DEFAULT_VALUES_V2_CSV, extract.BENCHMARKS_CSV, extract.CN_CODES_CSV,
         extract.COUNTRIES_CSV]
    )
    for name, data in regenerated.items():
        committed = (EF / name).read_bytes()
        assert data == committed, f"emission_factors/{name} differs from a fresh extraction: run " \
                                  "'python -m cbamcalc.refdata build' and review the diff"


def test_output_is_deterministic(shared_dir, regenerated):
    again = dict(extract.generated_tables(shared_dir, EF))
    assert again == regenerated


def test_build_all_writes_whole_files(shared_dir, tmp_path, regenerated):
    for curated in ("country_aliases.csv", extract.ANNEX_II_CSV, extract.SCOPE_NOTES_CSV):
        shutil.copy(EF / curated, tmp_path)
    shutil.copy(EF / "MANIFEST.toml", tmp_path)
    written = extract.build_all(shared_dir, tmp_path)
    assert sorted(p.name for p in written) == sorted(regenerated)
    for p in written:
        assert p.read_bytes() == regenerated[p.name]
    assert not list(tmp_path.glob("*.tmp"))


def test_generated_files_are_tidy(regenerated):
    for data in regenerated.values():
        text = data.decode("utf-8")
        header = text.split("\n", 1)[0]
        assert not header.startswith("#")
        assert {"act", "provision", "source_row"} <= set(header.split(","))
        assert {"source_sheet", "source_table"} & set(header.split(","))  # a workbook sheet or a transcribed table
        assert text.endswith("\n") and "\r" not in text


def test_row_counts_and_flags(shared_dir):
    dv = extract.default_value_rows(shared_dir, EF)
    assert len(dv) == 12532
    assert len({r["country"] for r in dv}) == 120  # 119 countries and OTHER
    flags = sorted({f for r in dv for f in r["flags"].split(";") if f})
    assert set(flags) <= set(extract.FLAG_DESCRIPTIONS)
    assert len(extract.benchmark_rows(shared_dir)) == 2465
    assert len(extract.cn_code_rows(shared_dir)) == 569
    assert len(extract.country_rows(shared_dir)) == 266


def test_a_changed_source_workbook_is_refused(shared_dir, tmp_path):
    shutil.copy(EF / "country_aliases.csv", tmp_path)
    text = (EF / "MANIFEST.toml").read_text(encoding="utf-8")
    text = text.replace('source_sha256 = "865372ed', 'source_sha256 = "000000ed', 1)
    (tmp_path / "MANIFEST.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"EC_CBAM_default_values_IR2025-2621_v1_2026-02-04.xlsx: sha256 "
                                                 r"865372ed\w+ differs from MANIFEST.toml"):
        extract.build_all(shared_dir, tmp_path)


def test_a_changed_cross_check_file_is_refused(shared_dir, tmp_path):
    text = (EF / "MANIFEST.toml").read_text(encoding="utf-8")
    text = text.replace('cross_check_sha256 = "06e41db5', 'cross_check_sha256 = "00000000', 1)
    (tmp_path / "MANIFEST.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"thirdparty_Ddscully_cbam_default_values_v2.csv: sha256 06e41db5\w+ "
                                                 r"differs from MANIFEST.toml \[files.default_values_2026_1740_v2\] "
                                                 r"cross_check_sha256 00000000"):
        extract.build_all(shared_dir, tmp_path)


def test_missing_inputs_are_named(tmp_path, shared_dir):
    with pytest.raises(ReferenceDataError, match=r"source workbook not found: .*nowhere"):
        extract.read_workbook_values(tmp_path / "nowhere.xlsx")
    with pytest.raises(ReferenceDataError, match=r"curated table .*country_aliases.csv is missing"):
        extract.default_value_rows(shared_dir, tmp_path)
    with pytest.raises(ReferenceDataError, match=r"curated table .*annex_ii_Reg2023-956.csv is missing"):
        extract.join_annex_ii([], tmp_path)
    with pytest.raises(ReferenceDataError, match=r"provenance note not found: .*PROVENANCE_v2_defaults.md"):
        extract_v2.check_hashes(tmp_path)


def test_annex_ii_table_is_checked_against_the_goods_list(tmp_path):
    for curated in (extract.ANNEX_II_CSV, extract.SCOPE_NOTES_CSV):
        shutil.copy(EF / curated, tmp_path)
    goods = [{"cn_code": "72081000"}, {"cn_code": "25070080"}]
    with pytest.raises(ReferenceDataError, match=r"annex_ii_Reg2023-956.csv, row \d+ \(7301\): annex_ii=true but 0 "
                                                 r"CBAM good\(s\) of the goods list fall under it"):
        extract.join_annex_ii(goods, tmp_path)
    assert extract.annex_ii_of("72081000", [{"cn_prefix": "72", "annex_ii": "true", "act": "A", "provision": "P",
                                             "cn_text": "72"}]) == (True, "A, P: 72")


@pytest.mark.parametrize(
    ("func", "text", "expected"),
    [
        (extract._parse_dv_route, "(E)", ("E", False)),
        (extract._parse_dv_route, "(C)/(F)", ("C/F", False)),
        (extract._parse_dv_route, "\xa0", ("", False)),
        (extract._parse_dv_route, "N/A", ("", True)),
        (extract._parse_bm_route, "(F)(1)", "F(1)"),
        (extract._parse_bm_route, "(1)", "1"),
        (extract._parse_bm_route, None, ""),
    ],
)
def test_route_parsing(func, text, expected):
    assert func(text) == expected


def test_unexpected_cells_are_refused():
    with pytest.raises(ReferenceDataError, match=r"unexpected production-route text 'E'"):
        extract._parse_dv_route("E")
    with pytest.raises(ReferenceDataError, match=r"unexpected text 'n.d.' in a default-value cell"):
        extract._parse_dv_cell("n.d.")
    with pytest.raises(ReferenceDataError, match=r"unknown section heading 'Glass'"):
        extract._sector("Glass")
    assert extract._parse_dv_cell("N/(A").kind == "na"
    assert extract._parse_dv_cell("_").kind == "dash"
    assert extract._parse_dv_cell("#VALUE!").kind == "error"
