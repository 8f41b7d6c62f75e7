"""Trade-flow readers: tidy, Comext, Comtrade layouts; CSV and Excel; errors name file, row and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.errors import InputError
from cbamcalc.io.trade_flows import layouts, read_trade_flows, write_trade_flows

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "thai_trade_flows_comext.csv"
COMEXT_HEADER = "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,FLOW,STAT_PROCEDURE,PERIOD,VALUE_EUR,QUANTITY_KG\n"


def write(tmp_path: Path, text: str, name: str = "flows.csv") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def test_layout_table_is_data():
    t = layouts()
    assert {"tidy", "comext", "comext_legacy", "comtrade", "comtrade_mirror"} <= set(t["layout"])
    assert set(t.columns) >= {"layout", "field", "source_column", "unit", "transform", "required"}


def test_example_comext_file_matches_cited_totals():
    f = read_trade_flows(EXAMPLE)
    assert f.attrs["layout"] == "comext" and len(f) == 47
    steel = f[f.cn_code.str.startswith(("72", "73"))]
    alu = f[f.cn_code.str.startswith("76")]
    # THAI_CONTEXT.md: iron & steel USD 95.1 m, aluminium USD 56.7 m and 4,383 t (2024), at 1.082 USD/EUR
    assert steel.value_eur.sum() == pytest.approx(95.1e6 / 1.082, rel=1e-6)
    assert alu.value_eur.sum() == pytest.approx(56.7e6 / 1.082, rel=1e-6)
    assert alu.net_mass_t.sum() == pytest.approx(4383.0, abs=0.01)
    assert f.source_row.iloc[0] == 12  # 10 comment lines, the header on line 11
    assert set(f.destination) == {"NL", "DE", "IT", "BE"}


def test_comext_months_summed_and_exports_dropped(tmp_path):
    p = write(tmp_path, COMEXT_HEADER + """\
        DE,TH,E,73181595,1,1,202401,1000,2000
        DE,TH,E,73181595,1,1,202402,500,1000
        DE,TH,E,73181595,2,1,202402,999,999
        NL,TH,E,76042100,1,1,202452,300,100
        """)
    f = read_trade_flows(p)
    assert f.attrs["dropped_flow"] == 1
    de = f[f.destination == "DE"].iloc[0]
    assert de.net_mass_t == pytest.approx(3.0) and de.value_eur == 1500 and de.year == 2024
    assert de.source_row == 2


def test_missing_column(tmp_path):
    p = write(tmp_path, "REPORTER,PARTNER,PRODUCT_NC,FLOW,PERIOD,VALUE_EUR\nDE,TH,73181595,1,202452,10\n")
    with pytest.raises(InputError, match=r"File '.*flows\.csv', row 1, column 'QUANTITY_KG': missing column"):
        read_trade_flows(p)
    p = write(tmp_path, "year,cn_code,country\n2024,73181595,TH\n", name="tidy.csv")
    with pytest.raises(InputError, match=r"tidy\.csv', row 1, column 'net_mass_t': missing column"):
        read_trade_flows(p, layout="tidy")


def test_unknown_cn_code(tmp_path):
    p = write(tmp_path, COMEXT_HEADER + "DE,TH,E,73181595,1,1,202452,10,10\nDE,TH,E,84713000,1,1,202452,10,10\n")
    with pytest.raises(InputError, match=r"row 3, column 'PRODUCT_NC': unknown CN code: not a CBAM good.*"
                                         r"found '84713000'"):
        read_trade_flows(p)
    f = read_trade_flows(p, non_cbam="drop")
    assert len(f) == 1 and f.attrs["dropped_non_cbam"] == 1
    p = write(tmp_path, COMEXT_HEADER + "DE,TH,E,7318159,1,1,202452,10,10\n", name="bad.csv")
    with pytest.raises(InputError, match=r"row 2, column 'PRODUCT_NC': unknown CN code; expected a CN code of 8"):
        read_trade_flows(p)


def test_negative_mass(tmp_path):
    p = write(tmp_path, """
        # a comment line
        year,cn_code,country,net_mass_t
        2024,73181595,TH,10
        2024,76042100,TH,-5
        """)
    with pytest.raises(InputError, match=r"File '.*flows\.csv', row 4, column 'net_mass_t': negative mass"):
        read_trade_flows(p)


def test_missing_mass_and_bad_number(tmp_path):
    p = write(tmp_path, "year,cn_code,country,net_mass_t\n2024,73181595,TH,\n")
    with pytest.raises(InputError, match=r"row 2, column 'net_mass_t': missing mass"):
        read_trade_flows(p)
    p = write(tmp_path, "year,cn_code,country,net_mass_t,value_eur\n2024,73181595,TH,1,ten\n")
    with pytest.raises(InputError, match=r"row 2, column 'value_eur': not a number"):
        read_trade_flows(p)


def test_duplicated_keys(tmp_path):
    p = write(tmp_path, COMEXT_HEADER + """\
        DE,TH,E,73181595,1,1,202401,1000,2000
        NL,TH,E,73181595,1,1,202401,1000,2000
        DE,TH,E,73181595,1,1,202401,7,7
        """)
    with pytest.raises(InputError, match=r"row 4, column 'PRODUCT_NC': duplicated key \(same PERIOD, PRODUCT_NC, "
                                         r"PARTNER, REPORTER, STAT_PROCEDURE, TRADE_TYPE as row 2\)"):
        read_trade_flows(p)


def test_unknown_country_suggests(tmp_path):
    p = write(tmp_path, "year,cn_code,origin,net_mass_kg\n2024,73181595,Thailnd,1000\n")
    with pytest.raises(InputError, match=r"row 2, column 'origin': unknown country, did you mean 'Thailand'"):
        read_trade_flows(p)


def test_tidy_kg_column_and_names(tmp_path):
    p = write(tmp_path, "year;cn_code;origin;destination;net_mass_kg;value_thb\n2024;7318 15 95;Thailand;"
                        "Germany;2500;1000\n")
    f = read_trade_flows(p)
    assert f.attrs["layout"] == "tidy"
    row = f.iloc[0]
    assert (row.cn_code, row.country, row.destination, row.net_mass_t, row.value_thb) == \
        ("73181595", "TH", "DE", 2.5, 1000)


COMTRADE = ("refYear,reporterISO,reporterDesc,flowCode,partnerISO,partnerDesc,cmdCode,customsCode,motCode,"
            "partner2Code,netWgt,primaryValue\n")


def test_comtrade_hs6_and_usd(tmp_path):
    p = write(tmp_path, COMTRADE + """\
        2024,THA,Thailand,X,DEU,Germany,731815,C00,0,0,120000,360000
        2024,THA,Thailand,X,NLD,Netherlands,760421,C00,0,0,5000,30000
        2024,THA,Thailand,M,DEU,Germany,731815,C00,0,0,1,1
        """)
    f = read_trade_flows(p, layout="comtrade", usd_per_eur=1.08)
    assert f.attrs["dropped_flow"] == 1
    assert list(f.cn_code) == ["731815", "760421"] and list(f.country) == ["TH", "TH"]
    assert f.net_mass_t.tolist() == [120.0, 5.0]
    assert f.value_eur.iloc[0] == pytest.approx(360000 / 1.08)
    with pytest.raises(InputError, match=r"row 1, column 'flowCode': both exports \(X\) and imports \(M\)"):
        read_trade_flows(p)  # auto cannot tell the direction
    mirror = write(tmp_path, COMTRADE + "2024,DEU,Germany,M,THA,Thailand,731815,C00,0,0,10,10\n", name="m.csv")
    g = read_trade_flows(mirror)
    assert g.attrs["layout"] == "comtrade_mirror" and g.country.iloc[0] == "TH" and g.destination.iloc[0] == "DE"
    assert "value_eur" not in g and any("USD" in n for n in g.attrs["notes"])


def test_excel_with_title_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["EU imports from Thailand (Comext extract)"])
    ws.append([])
    ws.append(COMEXT_HEADER.strip().split(","))
    ws.append(["DE", "TH", "E", 73181595, 1, 1, 202452, 10.0, 1000])
    ws.append(["DE", "TH", "E", 76042100, 1, 1, 202452, 10.0, -1])
    p = tmp_path / "flows.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=r"flows\.xlsx', row 5, column 'QUANTITY_KG': negative mass"):
        read_trade_flows(p)
    with pytest.raises(InputError, match=r"sheet 'Nope'.*expected one of Data"):
        read_trade_flows(p, sheet="Nope")


def test_flow_frame_errors_point_back_to_the_file(tmp_path):
    from cbamcalc.exposure import prepare_flows

    f = read_trade_flows(write(tmp_path, "year,cn_code,country,net_mass_t\n2024,73181595,TH,1\n"))
    f.loc[0, "net_mass_t"] = -1.0  # a later edit of the frame
    with pytest.raises(InputError, match=r"File '.*flows\.csv', row 2, column 'net_mass_t': negative mass"):
        prepare_flows(f)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["73181595", "76042100", "72083900"]),
                          st.sampled_from(["DE", "NL", "IT"]),
                          st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 3)),
                          st.floats(0, 1e9, allow_nan=False).map(lambda x: round(x, 2))),
                min_size=1, max_size=6, unique_by=lambda t: (t[0], t[1])))
def test_write_then_read_returns_the_same(tmp_path, rows):
    frame = pd.DataFrame(rows, columns=["cn_code", "destination", "net_mass_t", "value_eur"])
    frame.insert(0, "country", "TH")
    frame.insert(0, "year", 2024)
    p = tmp_path / "round.csv"
    write_trade_flows(frame, p, comment="illustrative\nsecond line")
    back = read_trade_flows(p)
    for col in ("year", "cn_code", "country", "destination"):
        assert back[col].tolist() == frame[col].tolist()
    np.testing.assert_allclose(back["net_mass_t"], frame["net_mass_t"])
    np.testing.assert_allclose(back["value_eur"], frame["value_eur"])
