"""The operator's emissions report (IR (EU) 2025/2547 Annex IV) on the Commission's seven filled examples.

For each example (``tests/data/cbam_templates/official``): the report's SEE equal
``examples_key_results.csv`` at 1e-6; its SEFA equal a hand computation written here from the
benchmark table of IR (EU) 2025/2620 (Column A values as literals, each citing its annex cell),
the CBAM factor 2026 of Directive 2003/87/EC Art. 10a(1a) (97.5 %) and the CSCF assumption 1.0,
with precursor masses from the template's cells; every Annex IV item is present or listed as
missing; the workbook round-trips; the JSON validates against the shipped schema.
"""

from __future__ import annotations

import csv
import json
import warnings
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from cbamcalc.cli import main
from cbamcalc.errors import InputError
from cbamcalc.io.operator_report_workbook import read_operator_report, write_operator_report
from cbamcalc.io.report_inputs import ReportInputs
from cbamcalc.operator_report import build_report, items_catalogue
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
pytestmark = [pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

#: openpyxl stores numbers with 16 significant digits ("%.16g"): the workbook round-trips to 1e-15 relative
#: (the JSON is exact)
XLSX_RTOL = 1e-15
F = 0.975 * 1.0  # CBAM factor 2026 (Directive 2003/87/EC Art. 10a(1a)) x CSCF 1.0 (documented assumption)

# Column A (and one Column B) of IR (EU) 2025/2620 Annex, sheet 'Benchmarks', indicator (1) 2026-27 [tCO2e/t]
CLINKER_GREY = 0.666   # C4: cement clinker 2523 10 00, route (A) grey
HR_COIL = 0.044        # C146: 7208 10 00
NARROW_STRIP = 0.112   # C335: 7212 20 00
WIRE_ROD = 0.038       # C377: 7213 91 20
RAILS = 0.057          # C1225: 7302 10 28
STAINLESS_SEMI = 0.128  # C569: 7218 99 11
PIPES = 0.057          # C1248: 7304 11 00
STAINLESS_SHEET = 0.073  # C583: 7219 13 10
STAINLESS_BARS = 0.109  # C645: 7221 00 10
FENI = 2.390           # C68: ferro-nickel 7202 60 00, route (1)
FECR = 1.142           # C58: ferro-chromium 7202 41 10, route (1)
FEMN_B = 1.361         # E52: ferro-manganese 7202 11 20 Column B (PP4 is on default values)
SCREWS_C = 0.038       # C1597: 7318 15 42
SCREWS_A = 0.038       # C1595: 7318 15 35
NPK = 0.090            # C35: 3105 20 10
UREA = 0.053           # C21: 3102 10 19
AMMONIA = 1.522        # C16: 2814 10 00
UNWROUGHT_K = 1.423    # C1695: 7601 10 10, route (K) primary
ALU_WIRE = 0.056       # C1721: 7605 19 00
HYDROGEN = 5.089       # C13: 2804 10 00

# ex3 masses: D_Processes!L32 (P1 -> P2) over P2's production D_Processes!L81:L88; E_PurchPrec!L72/L116/L160
# (FeNi, FeCr, FeMn into P1) over P1's production D_Processes!L16:L23
M_CS = 1_227_000 / 1_133_000
ALLOYS = (346_773.0239303843 * FENI + 331_213 * FECR + 60_595 * FEMN_B) / 2_234_000
CRUDE = STAINLESS_SEMI + ALLOYS

EXAMPLES = {
    1: ("cement", {"goods": [("Cement Bubble", "25232900", None, 0.95)]},  # clinker factor Summary_Products!AB10
        {"25232900": F * CLINKER_GREY}),  # per t clinker contained: Column A of cement is 0 (C7)
    2: ("steel1_blast_furnace", {}, {"72081000": F * HR_COIL, "72122000": F * NARROW_STRIP,
                                     "72139120": F * WIRE_ROD, "73021028": F * RAILS}),
    3: ("steel2_EAF_alloys", {"precursors": [("PP2", "72026000", "1"), ("FeCr  (52% Cr)", "72024110", "1"),
                                             ("PP4", "72021120", "1")]},
        {"72189911": F * CRUDE, "73041100": F * (PIPES + M_CS * CRUDE),
         "72191310": F * (STAINLESS_SHEET + M_CS * CRUDE), "72210010": F * (STAINLESS_BARS + M_CS * CRUDE)}),
    4: ("steel3_screws_nuts", {}, {"73181542": F * SCREWS_C, "73181535": F * SCREWS_A}),
    5: ("fertiliser", {"precursors": [("Urea (purum)", "31021019", None), ("ammonia (unhydrous)", "28141000", None)]},
        # E_PurchPrec!L28 (urea) and L72 (ammonia) over D_Processes!L16:L23 (750,000 t)
        {"31052010": F * (NPK + 120_000 / 750_000 * UREA + 69_750 / 750_000 * AMMONIA)}),
    6: ("aluminium", {"goods": [("Primary smelting", "76011010", "K", None)],
                      "precursors": [("Primary smelting", None, "K")]},
        # D_Processes!L32 (P1 -> P2) 120,000 t over P2's production 113,000 t
        {"76011010": F * UNWROUGHT_K, "76051900": F * (ALU_WIRE + 120_000 / 113_000 * UNWROUGHT_K)}),
    7: ("hydrogen_2processes", {}, {"28041000": F * HYDROGEN}),
}


def _inputs(spec: dict) -> ReportInputs:
    goods = pd.DataFrame([{"process": p, "cn_code": cn, "route": r, "clinker_content": c, "quantity_t": None,
                           "sector_parameters": None} for p, cn, r, c in spec.get("goods", [])])
    pre = pd.DataFrame([{"precursor": n, "cn_code": cn, "route": r, "sefa": None, "period_basis": None,
                         "production_year": None, "origin_operator": None, "origin_installation": None,
                         "origin_registry_id": None, "origin_reporting_period": None}
                        for n, cn, r in spec.get("precursors", [])])
    out = ReportInputs()
    if len(goods):
        out.goods = goods
    if len(pre):
        out.precursors = pre
    return out


def _path(n: int) -> Path:
    return TEMPLATES / "official" / f"EC_v2.1_example{n}_{EXAMPLES[n][0]}_FILLED.xlsx"


_CACHE: dict[int, object] = {}


def _report(n: int):
    if n not in _CACHE:
        from cbamcalc.io.communication_template import read_communication_template
        from cbamcalc.pipeline import run_installation

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inst = read_communication_template(_path(n))
            _CACHE[n] = build_report(run_installation(inst, on_warning="ignore"), inst, year=2026,
                                     inputs=_inputs(EXAMPLES[n][1]))
    return _CACHE[n]


def _expected(n: int) -> list[dict[str, str]]:
    rel = f"official/{_path(n).name}"
    with (TEMPLATES / "examples_key_results.csv").open(encoding="utf-8-sig") as fh:
        return [r for r in csv.DictReader(fh) if r["file (relative to shared/cbam_templates)"] == rel
                and r["level"] == "product"]


@pytest.mark.parametrize("n", sorted(EXAMPLES))
def test_see_equal_the_templates(n):
    goods = _report(n).goods.set_index("good")
    rows = _expected(n)
    assert len(rows) == len(goods)
    for r in rows:
        g = goods.loc[r["id"]]
        assert g["cn_code"] == r["cn_code"]
        assert g["see_direct"] == pytest.approx(float(r["SEE_direct"]), rel=1e-6, abs=1e-12)
        assert g["see_indirect"] == pytest.approx(float(r["SEE_indirect"]), rel=1e-6, abs=1e-12)
        assert g["see_direct"] + g["see_indirect"] == pytest.approx(float(r["SEE_total"]), rel=1e-6)


@pytest.mark.parametrize("n", sorted(EXAMPLES))
def test_sefa_equal_the_hand_computation(n):
    goods = _report(n).goods
    for cn, sefa in EXAMPLES[n][2].items():
        for _, g in goods[goods["cn_code"] == cn].iterrows():
            assert g["sefa_status"].startswith("computed"), g["sefa_status"]
            assert g["sefa"] == pytest.approx(sefa, rel=1e-9), cn
            assert (g["cbam_factor"], g["cscf"], g["benchmark_indicator"]) == (0.975, 1.0, "1")
    assert set(goods["cn_code"]) == set(EXAMPLES[n][2])


def test_example6_sefa_without_the_route_is_listed_missing_never_guessed():
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    inst = read_communication_template(_path(6))
    report = build_report(run_installation(inst, on_warning="ignore"), inst, year=2026)
    g = report.goods.set_index("cn_code")
    assert g["sefa"].isna().all()
    assert "expected one of K, L" in g.loc["76011010", "sefa_status"]
    item = report.items.set_index("item").loc["(4)(e)"]
    assert item["status"] == "partly missing"
    assert "SEFA of good 1 CN 76011010" in item["missing"] and "precursor_route" in item["missing"]


@pytest.mark.parametrize("n", sorted(EXAMPLES))
def test_every_annex_iv_item_present_or_listed_missing(n):
    report = _report(n)
    cat = items_catalogue()
    items = report.items
    assert list(zip(items["section"], items["item"], strict=True)) == [(s["section"], s["item"]) for s in cat]
    assert set(items["status"]) <= {"present", "partly missing", "missing", "not applicable"}
    lacking = items[items["status"].isin(["missing", "partly missing"])]
    assert lacking["missing"].notna().all() and (lacking["missing"].str.len() > 0).all()
    assert len(report.missing()) == len(lacking)
    na = items[items["status"] == "not applicable"]
    assert na["value"].notna().all()  # says why
    # no identity is invented: the EU template carries no operator, so 1(a)-(c) is missing, naming the field
    first = items.iloc[0]
    assert first["status"] == "missing" and "Report_Info operator_name" in first["missing"]
    # SEFA (4)(e) present once every good has one
    assert items.set_index("item").loc["(4)(e)", "status"] == "present"


def test_items_follow_the_installation():
    """Fertiliser (ex5) is not in Annex II: items 9-11 apply; steel (ex2) is: they do not."""
    i5 = _report(5).items.set_index("item")
    i2 = _report(2).items.set_index("item")
    assert i5.loc["10", "status"] == "present" and i5.loc["10", "value"].endswith("MWh")
    assert i2.loc["10", "status"] == "not applicable"
    assert "Annex II" in i2.loc["10", "value"]
    assert i5.loc["9", "status"] == "missing" and "installation_electricity_mwh" in i5.loc["9", "missing"]


@pytest.mark.parametrize("n", [3, 6])
@pytest.mark.parametrize("lang", ["en", "th"])
def test_workbook_round_trip(n, lang, tmp_path):
    report = _report(n)
    path = write_operator_report(report, tmp_path / "r.xlsx", lang=lang)
    back = read_operator_report(path)
    for name in ("goods", "processes", "precursors", "precursor_terms", "source_streams"):
        a, b = getattr(report, name).reset_index(drop=True), getattr(back, name).reset_index(drop=True)
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b), name
        for col in a.columns:
            num = pd.to_numeric(a[col], errors="coerce")
            if num.notna().any() and a[col].map(lambda v: isinstance(v, (int, float))).all():
                pd.testing.assert_series_equal(num.astype(float), pd.to_numeric(b[col]).astype(float),
                                               check_names=False, rtol=XLSX_RTOL, atol=0)
            else:
                assert [None if pd.isna(v) else str(v) for v in a[col]] == \
                       [None if pd.isna(v) else str(v) for v in b[col]], (name, col)
    cols = ["section", "item", "status", "value", "missing"]
    assert back.items[cols].fillna("").astype(str).equals(report.items[cols].fillna("").astype(str))
    assert back.meta["year"] == 2026 and back.meta["cbam_factor"] == 0.975


@pytest.mark.parametrize("n", sorted(EXAMPLES))
def test_json_validates_against_the_shipped_schema(n):
    jsonschema = pytest.importorskip("jsonschema")
    text = resources.files("cbamcalc.io").joinpath("schemas/operator_report-1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json.dumps(_report(n).to_dict(), allow_nan=False))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


def test_year_is_required_before_2026(tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(_path(7)), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--year" in err[0] and "ends in 2023" in err[0]
    assert not out.exists()
    with pytest.raises(InputError, match=r"Field 'year': expected a production year 2026-2034.*found 2025"):
        from cbamcalc.operator_report import report_year

        report_year(None, 2025)


def test_bad_companion_cell_is_one_line_and_nothing_written(tmp_path, capsys):
    import openpyxl

    comp = tmp_path / "companion.xlsx"
    assert main(["report", str(_path(6)), "--new-inputs", str(comp)]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(comp)
    wb["Report_Goods"]["D5"] = 1.5  # clinker content above 1
    wb.save(comp)
    out = tmp_path / "r.xlsx"
    assert main(["report", str(_path(6)), "--inputs", str(comp), "--year", "2026", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cbamcalc report: error: File 'companion.xlsx', sheet 'Report_Goods', cell D5 (clinker_content): "
                   "expected a fraction in (0, 1], found 1.5"]
    assert not out.exists()


def test_cli_with_companion_computes_the_sefa(tmp_path, capsys):
    import openpyxl

    comp = tmp_path / "companion.xlsx"
    main(["report", str(_path(6)), "--new-inputs", str(comp)])
    wb = openpyxl.load_workbook(comp)
    assert [c.value for c in wb["Report_Goods"]["A"][4:6]] == ["Primary smelting", "Forming steps"]
    wb["Report_Goods"]["C5"] = "K"
    wb["Report_Precursors"]["C5"] = "K"
    wb["Report_Info"]["E3"] = "=cmd|' /C calc'!A0"
    wb["Report_Info"]["E3"].data_type = "s"  # typed as text; the report keeps it text, never a formula
    wb.save(comp)
    out = tmp_path / "r.xlsx"
    assert main(["report", str(_path(6)), "--inputs", str(comp), "--year", "2026", "--out", str(out), "--json",
                 "--lang", "th"]) == 0
    data = json.loads(capsys.readouterr().out)
    sefa = {g["cn_code"]: g["sefa"] for g in data["goods"]}
    assert sefa == pytest.approx({"76011010": F * UNWROUGHT_K,
                                  "76051900": F * (ALU_WIRE + 120_000 / 113_000 * UNWROUGHT_K)}, rel=1e-12)
    assert data["items"][0]["value"] == "operator_name: =cmd|' /C calc'!A0"
    back = read_operator_report(out)
    assert back.goods["sefa"].tolist() == pytest.approx(list(sefa.values()), rel=XLSX_RTOL, abs=0)


def test_schema_names_every_good_column():
    from cbamcalc.operator_report import GOOD_COLUMNS

    text = resources.files("cbamcalc.io").joinpath("schemas/operator_report-1.0.json").read_text(encoding="utf-8")
    goods = json.loads(text)["properties"]["goods"]["items"]
    assert list(goods["properties"]) == goods["required"] == [c for c, _, _ in GOOD_COLUMNS]
    for name, unit, _ in GOOD_COLUMNS:  # the unit of every number is in the schema's description
        assert goods["properties"][name]["description"].startswith(f"[{unit}]") if unit else True


def test_eu_template_sector_parameters_and_clinker_factor_are_read(tmp_path, capsys):
    """Example 1: Summary_Products!AB10 clinker factor 0.95 gives the cement's clinker content, so its SEFA per
    t clinker contained is 0.975 x 0.666 (annex C4) without any companion input; ex3 P10:AK10 give item 35."""
    assert main(["report", str(_path(1)), "--year", "2026", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    g = data["goods"][0]
    assert g["clinker_content"] == 0.95 and g["sefa"] == pytest.approx(F * CLINKER_GREY, rel=1e-12)
    assert g["sector_parameters"] == "clinker 95 %"
    assert main(["report", str(_path(3)), "--year", "2026", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["goods"][0]["sector_parameters"].startswith("The main reducing agent of the precursor, if known: "
                                                            "Coal or coke; % Mn 1.4 %; % Cr 18 %; % Ni 10 %")
    item35 = next(i for i in data["items"] if i["item"] == "35")
    assert item35["status"] == "present"


def test_committed_example_report_reads_back_as_its_json():
    """examples/thai_fastener_plant_report.xlsx (Thai beside English) holds the numbers of ..._report.json
    (``make_examples.py --check``, run by test_exporter_workbook, keeps the JSON current)."""
    root = Path(__file__).resolve().parent.parent / "examples"
    data = json.loads((root / "thai_fastener_plant_report.json").read_text(encoding="utf-8"))
    back = read_operator_report(root / "thai_fastener_plant_report.xlsx")
    assert back.meta["year"] == data["meta"]["year"] == 2026
    assert back.goods["cn_code"].tolist() == [g["cn_code"] for g in data["goods"]]
    for col in ("see_direct", "see_indirect", "see_counted", "sefa"):
        assert back.goods[col].tolist() == pytest.approx([g[col] for g in data["goods"]], rel=1e-11), col
    # annex C1618, C1615, C1634: 0.038 each; wire rod into fasteners is no relevant precursor (template list)
    assert back.goods["sefa"].tolist() == pytest.approx([0.975 * 0.038] * 3, rel=1e-12)
    assert len(back.missing()) == len(data["missing"]) > 0


def test_input_workbook_carries_the_report_sheets(tmp_path, capsys):
    """cbamcalc template new adds Report_Info/Goods/Precursors (goods and precursors listed); report reads them."""
    import openpyxl

    from cbamcalc.io.exporter_workbook import write_input_workbook

    path = write_input_workbook(tmp_path / "plant.xlsx", lang="both", example=True)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-3:] == ["Report_Info", "Report_Goods", "Report_Precursors"]
    assert wb["Report_Info"]["A3"].value == "operator_name" and "ภาษาไทย" == wb["Report_Info"]["D2"].value
    assert [wb["Report_Goods"].cell(row=r, column=2).value for r in (5, 6, 7)] == ["73181588", "73181582",
                                                                                   "73181692"]
    wb["Report_Info"]["E3"] = "Siam Fasteners Co., Ltd. (illustrative)"
    wb.save(path)
    assert main(["report", str(path), "--year", "2026", "--json", "--summary-only"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["items"][0]
    assert (first["item"], first["status"]) == ("(1)(a)-(c)", "partly missing")
    assert first["value"] == "operator_name: Siam Fasteners Co., Ltd. (illustrative)"
    assert "operator_registration_number" in first["missing"] and "operator_name" not in first["missing"]
    assert {i["section"] for i in data["items"]} == {"1.2"} and data["processes"] == []


def test_report_agrees_with_run_and_feeds_cost(capsys):
    """The report's SEE are the run's to the last digit; its SEFA, passed to ``cbamcalc cost --sefa`` by an
    importer who holds only the report, gives the certificates cost_from_run computes from the precursors."""
    import pandas as pd

    from cbamcalc.cost import cost_from_run
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    inst = read_communication_template(_path(6))
    run = run_installation(inst, on_warning="ignore")
    report = _report(6)
    for col in ("see_direct", "see_indirect", "see_indirect_counted", "see_counted", "embedded_electricity"):
        assert report.goods[col].tolist() == run.products[col].tolist(), col  # exact
    good = report.goods.set_index("cn_code").loc["76051900"]
    chain = cost_from_run(run, pd.DataFrame({"cn_code": ["76051900"], "quantity": [1000.0]}), installation=inst,
                          precursor_route={"Primary smelting": "K"}, years=[2026], price=80.0, eur_thb=38.5).iloc[0]
    assert main(["cost", "--cn", "76051900", "--country", "US", "--tonnes", "1000", "--see-direct",
                 repr(float(good["see_direct"])), "--sefa", repr(float(good["sefa"])), "--years", "2026",
                 "--price", "80", "--eur-thb", "38.5", "--json"]) == 0
    cert = json.loads(capsys.readouterr().out)[0]["certificates"]  # one row per year
    assert cert == pytest.approx(chain["certificates"], rel=1e-12)
    assert cert == pytest.approx(1000 * (good["see_direct"] - good["sefa"]), rel=1e-12)


def test_summary_only_workbook_holds_the_summary_report(tmp_path):
    path = write_operator_report(_report(5), tmp_path / "s.xlsx", lang="th", summary_only=True)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary (1.2)", "Summary items (1.2)", "Missing", "Metadata"]
    assert wb["Summary (1.2)"]["A4"].value == "สินค้า" and wb["Summary (1.2)"]["A3"].value == "Good"
    back = read_operator_report(path)
    assert set(back.items["section"]) == {"1.2"} and back.processes.empty
    assert back.goods["sefa"].tolist() == pytest.approx(_report(5).goods["sefa"].tolist(), rel=XLSX_RTOL)


def test_control_character_in_the_input_file_name_is_stored_escaped(tmp_path):
    """An input named ``pl\\x01ant.xlsx``: the Metadata sheet stores the name escaped (an .xlsx cannot hold
    C0 controls), as the results workbook does, instead of failing inside openpyxl."""
    import dataclasses

    cached = _report(5)
    report = dataclasses.replace(cached, meta=cached.meta | {"source_file": "pl\x01ant.xlsx"})
    back = read_operator_report(write_operator_report(report, tmp_path / "r.xlsx"))
    assert back.meta["source_file"] == "pl\\x01ant.xlsx"


def test_template_parameters_leave_the_callers_inputs_unchanged():
    """with_template_parameters returns completed inputs (example 1: clinker factor Summary_Products!AB10)
    and leaves the ReportInputs it was given as it was."""
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.io.report_inputs import with_template_parameters

    given = ReportInputs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        done = with_template_parameters(given, _path(1), read_communication_template(_path(1)))
    assert done.goods["clinker_content"].tolist() == [0.95]
    assert given.cells == {} and given.goods.empty
