"""cbamcalc.default_values, version 2026/1740 (the default): every line of the v2 transcription, v1 vs v2, the build.

The walk test reads ``thirdparty_Keremozdemirra_cbam-mcp_default_values_v2.json`` with its own small parser
(independently of ``cbamcalc.extract_v2``) and gets every line back through the public lookup. The v1/v2 test
checks what ``PROVENANCE_v2_defaults.md`` section 5 says about the two versions.
"""

from __future__ import annotations

import json
import math
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cbamcalc import extract, extract_v2
from cbamcalc.cn_codes import cn_table, in_annex_ii_series
from cbamcalc.countries import resolve_country
from cbamcalc.default_values import (
    DEFAULT_VERSION,
    default_value,
    lookup_default_values,
    markup_rate,
    resolve_version,
)
from cbamcalc.errors import ReferenceDataError
from cbamcalc.refdata import load_table

ROOT = Path(__file__).resolve().parent.parent
EF = ROOT / "emission_factors"
V2 = "2026/1740"
LABEL = "IR (EU) 2026/1740 Annex I (Commission Excel v2 of 2026-08-06)"
OTHER = "Other Countries and Territories"
# IR 2026/1740 Annex I, opening paragraph (REGULATION.md): 10 / 20 / 30 %; fertilisers 1 % every year
RATES = {"Fertilisers": (0.01, 0.01, 0.01)}
OTHER_RATES = (0.10, 0.20, 0.30)
# the five TARIC codes of the cement lines, as PROVENANCE section 3 describes them
TARIC = {"2507008080": ("25070080", ""), "2523100010": ("25231000", "white"), "2523100090": ("25231000", "grey"),
         "2523900010": ("25239000", "white"), "2523900090": ("25239000", "grey")}


def _num(text: str) -> float | None:
    text = text.strip()
    return None if text in ("-", "N/A", "see below") else float(Decimal(text.replace(",", ".")))


@pytest.fixture(scope="session")
def v2_source(shared_dir: Path) -> dict:
    return json.loads((shared_dir / extract_v2.V2_JSON).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def v2_lines(v2_source) -> list[dict]:
    """Every line of every table of the transcription, parsed here."""
    sectors = {rec[0]: rec[3] for rec in v2_source["lines"]}
    out = []
    for table, rows in v2_source["tables"].items():
        for code, cell in rows.items():
            d, i, t, route = cell.split("|")
            kind = "heading" if d == "see below" else "dash" if d == "-" else "value"
            cn, variant = TARIC.get(code, (code, ""))
            out.append({"table": table, "code": code, "cn": cn, "variant": variant, "kind": kind,
                        "direct": _num(d), "indirect": _num(i), "indirect_text": i, "total": _num(t),
                        "route": route.replace("(", "").replace(")", ""), "sector": sectors[code]})
    return out


def test_walk_every_line_of_every_v2_table(v2_lines):
    first_good: dict[str, str] = {}
    for g in sorted(cn_table()["cn_code"]):
        for k in (4, 6, 8):
            first_good.setdefault(g[:k], g)
    rows, expect = [], []
    for ln in v2_lines:
        if ln["kind"] == "heading":
            continue
        country = "AD" if ln["table"] == OTHER else resolve_country(ln["table"])  # Andorra has no table
        cn = ln["cn"] if ln["kind"] == "value" else first_good[ln["cn"]]
        for year in (2026, 2027, 2028):
            rows.append({"cn_code": cn, "country": country, "year": year, "variant": ln["variant"]})
            expect.append(ln)
    frame = pd.DataFrame(rows)
    out = lookup_default_values(frame, variant_column="variant")  # the default version: 2026/1740
    assert (out["version"] == V2).all()
    counts = {"value": 0, "dash": 0}
    for r, (ln, year) in enumerate(zip(expect, frame["year"], strict=True)):
        got = out.iloc[r]
        counts[ln["kind"]] += year == 2026
        if ln["kind"] == "dash":
            assert got["fallback"] and got["fallback_reason"] == "the country's line shows '–'", ln
            assert got["source"].startswith(f"{LABEL}, table '{OTHER}'"), ln
            continue
        rate = RATES.get(ln["sector"], OTHER_RATES)[year - 2026]
        assert bool(got["fallback"]) is (ln["table"] == OTHER), ln
        assert got["source"] == f"{LABEL}, table '{ln['table']}', line {ln['code']}", ln
        assert got["direct"] == ln["direct"] and got["total"] == ln["total"], ln
        if ln["indirect"] is None:
            assert ln["indirect_text"] == "N/A" and math.isnan(got["indirect"]), ln
        else:
            assert got["indirect"] == ln["indirect"], ln
        assert got["route"] == ln["route"], ln
        assert got["markup_rate"] == rate, ln
        assert got["value_with_markup"] == ln["total"] * (1 + rate), ln  # the printed total is the base
        assert math.isnan(got["published_value_with_markup"])
        assert got["heading_level"] == len(ln["cn"]) and got["variant"] == ln["variant"], ln
    # PROVENANCE section 3: 12,540 rows = 10,910 with numbers + 760 "-" + 870 "see below"
    assert len(v2_lines) == 12540
    assert counts == {"value": 10910, "dash": 760}
    assert len(out) == 3 * (10910 + 760)


def test_worked_example_thailand_bolts_2027():
    # IR 2026/1740 Annex I, table Thailand, line 7318 15: direct 2,408 | indirect N/A | total 2,408 | (E).
    # Mark-up for imports in 2027: 20 % of the printed total (Annex I, opening paragraph).
    dv = default_value("7318 15 95", "Thailand", 2027)
    assert dv.version == V2 == DEFAULT_VERSION
    assert dv.total == 2.408 and math.isnan(dv.indirect)
    assert dv.value_with_markup == pytest.approx(2.408 * 1.2, abs=1e-12)  # 2.8896 tCO2e/t
    assert dv.route == "E" and dv.cn_line == "731815" and not dv.fallback


def test_printed_total_is_the_base_where_it_differs_from_the_sum():
    table = load_table("default_values_2026_1740_v2")
    vals = table[(table["line_status"] == "value") & (table["indirect_status"] == "value")]
    off = vals[(vals["direct"] + vals["indirect"] - vals["total"]).abs() > 1e-9]
    assert len(off) == 711  # PROVENANCE section 1: 710 off by 0.01, 1 by 0.001
    rec = off.iloc[0]
    frame = pd.DataFrame({"cn_code": [rec["cn_line"]], "country": [rec["country"] if rec["country"] != "OTHER"
                                                                   else "AD"],
                          "year": [2028], "variant": [rec["variant"]]})
    got = lookup_default_values(frame, variant_column="variant").iloc[0]
    rate = 0.01 if rec["sector"] == "Fertilisers" else 0.30
    assert got["value_with_markup"] == rec["total"] * (1 + rate)
    assert got["value_with_markup"] != (rec["direct"] + rec["indirect"]) * (1 + rate)


def test_markup_schedule_of_v2():
    assert markup_rate("Cement", 2026, version=V2) == 0.10
    assert markup_rate("Iron and steel", 2027) == 0.20
    assert markup_rate("Aluminium", 2035) == 0.30
    assert markup_rate("Fertilisers", 2026) == markup_rate("Fertilisers", 2030) == 0.01
    schedule = load_table("markups_2026_1740")
    assert set(schedule["act"]) == {"Implementing Regulation (EU) 2026/1740"}


def test_version_names():
    assert resolve_version("IR (EU) 2026/1740 v2") == resolve_version("2026/1740") == V2
    assert default_value("7318 15 95", "TH", 2026, version="2025/2621").version == "2025/2621"


def test_route_letters_are_read_from_v2():
    # PROVENANCE 5.4: Thai 7318 12 10 and 7318 14 10 lost their (E); 7205 is (E)/(H)
    assert default_value("7318 12 10", "TH", 2026).route == ""
    assert default_value("7318 14 10", "TH", 2026).route == ""
    assert default_value("7205 10 00", "TH", 2026).route == "E/H"
    assert default_value("7318 12 10", "TH", 2026, version="2025/2621").route == "E"


def test_v2_prints_indirect_na_exactly_on_annex_ii_lines():
    table = load_table("default_values_2026_1740_v2")
    lines = table[(table["line_status"] == "value") & (table["cn_line"].str.len() == 8)]
    member = in_annex_ii_series(lines["cn_line"])
    assert ((lines["indirect_status"] == "n/a") == member).all()


def _pairs() -> pd.DataFrame:
    keys = ["country", "cn_line", "variant"]
    v1 = load_table("default_values_2025_2621_v1")
    v2 = load_table("default_values_2026_1740_v2")
    return v1.merge(v2, on=keys, suffixes=("_1", "_2"), how="outer", indicator=True)


def test_v1_and_v2_agree_where_the_provenance_note_says():
    pairs = _pairs()
    both = pairs[pairs["_merge"] == "both"]
    assert len(both) == 12528  # 5.1: pairs in both
    assert (pairs["_merge"] == "left_only").sum() == 4 and (pairs["_merge"] == "right_only").sum() == 12
    close = np.ones(len(both), dtype=bool)
    same_presence = np.ones(len(both), dtype=bool)
    for col in ("direct", "indirect", "total"):
        a, b = both[f"{col}_1"].to_numpy(float), both[f"{col}_2"].to_numpy(float)
        same_presence &= np.isnan(a) == np.isnan(b)
        close &= np.isnan(a) | np.isnan(b) | (np.abs(a - b) <= 0.0005 + 1e-9)
    # 5.2: 12,497 pairs whose numbers all agree within 0.0005 and none appears or disappears; plus Taiwan 7218,
    # whose v1 heading carries a stray 8.67 (5.3 #19) that the v1 table drops (flag stray_value_on_heading)
    agree = both[close & same_presence]
    assert int(len(agree)) == 12497 + 1
    assert agree["flags_1"].str.contains("stray_value_on_heading").sum() == 1
    # 5.3: the only number that changed by more than 0.0005
    changed = both[~close]
    assert list(zip(changed["country"], changed["cn_line"], changed["total_1"], changed["total_2"],
                    strict=True)) == [("OTHER", "72262000", 5.588, 5.5)]


def test_thai_lines_agree_and_six_routes_changed():
    pairs = _pairs()
    th = pairs[pairs["country"] == "TH"]
    assert (th["_merge"] == "both").all() and len(th) == 275  # 5.4: no line added or removed
    for col in ("direct", "indirect", "total"):
        a, b = th[f"{col}_1"].to_numpy(float), th[f"{col}_2"].to_numpy(float)
        assert (np.isnan(a) == np.isnan(b)).all()
        assert np.nanmax(np.abs(a - b)) <= 0.0005 + 1e-9
    moved = th[th["route_1"] != th["route_2"]]
    assert sorted(zip(moved["cn_line"], moved["route_1"], moved["route_2"], strict=True)) == [
        ("7205", "E", "E/H"), ("72251990", "H", "E"), ("72261980", "H", "E"), ("73063018", "", "E"),
        ("73181210", "E", ""), ("73181410", "E", ""),
    ]


def test_rebuild_is_byte_identical(shared_dir):
    lookup = extract._country_lookup(extract.country_rows(shared_dir), extract._read_aliases(EF))
    rows = extract_v2.default_value_rows_v2(shared_dir, lambda t: extract._sheet_country(t, t, lookup))
    assert extract._csv_bytes(extract_v2.DV2_COLUMNS, rows) == (EF / extract_v2.DEFAULT_VALUES_V2_CSV).read_bytes()
    assert extract_v2.cross_check(shared_dir) == 12540


def _copy_sources(shared_dir: Path, tmp: Path) -> Path:
    related = tmp / "cbam_templates" / "related"
    related.mkdir(parents=True)
    for rel in (extract_v2.V2_JSON, extract_v2.V2_CSV, extract_v2.PROVENANCE):
        shutil.copy(shared_dir / rel, related)
    return related


def test_a_disagreement_fails_the_build_naming_the_row(shared_dir, tmp_path):
    related = _copy_sources(shared_dir, tmp_path)
    path = related / Path(extract_v2.V2_CSV).name
    text = path.read_text(encoding="utf-8")
    row = "Thailand,THA,73181210-"
    start = text.index(row)
    end = text.index("\n", start)
    cells = text[start:end].split(",")
    assert cells[-2:] == ["4.689", ""]
    path.write_text(text[:start] + ",".join(cells[:-2] + ["4.690", ""]) + text[end:], encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"default values v2, table 'Thailand', code 73181210: total is "
                                                 r"4.689 in .*json but 4.690 in .*csv, a disagreement .*"
                                                 r"PROVENANCE_v2_defaults.md does not explain"):
        extract_v2.cross_check(tmp_path)
    with pytest.raises(ReferenceDataError, match=r"thirdparty_Ddscully_cbam_default_values_v2.csv: sha256 \w+ "
                                                 r"differs from the one .*PROVENANCE_v2_defaults.md records"):
        extract_v2.check_hashes(tmp_path)
    path.write_text(text[:start] + text[end + 1:], encoding="utf-8")  # the row deleted
    with pytest.raises(ReferenceDataError, match=r"table 'Thailand', code 73181210: only in .*json"):
        extract_v2.cross_check(tmp_path)
    path.write_text(text.replace("Thailand,THA,73181210-", "Thailand,THA,73181299-"), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"table 'Thailand', code 73181210: only in .*json"):
        extract_v2.cross_check(tmp_path)


def test_a_route_disagreement_fails_too(shared_dir, tmp_path):
    related = _copy_sources(shared_dir, tmp_path)
    path = related / Path(extract_v2.V2_JSON).name
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tables"]["Thailand"]["7205"] = data["tables"]["Thailand"]["7205"].replace("(E)/(H)", "(E)")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"table 'Thailand', code 7205: route is E in .* but E/H in"):
        extract_v2.cross_check(tmp_path)


def test_unknown_table_titles_and_codes_are_refused(shared_dir):
    with pytest.raises(ReferenceDataError, match=r"TARIC code 2523100099 has no CN line"):
        extract_v2._line_of("2523100099", "here")
    with pytest.raises(ReferenceDataError, match=r"country 'Atlantis' matches no single table"):
        extract_v2._csv_table_names({"Atlantis"}, ["Albania"])
