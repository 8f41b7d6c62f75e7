"""cbamcalc.benchmarks against the Commission's benchmark workbook (IR (EU) 2025/2620) and THAI_CONTEXT.md."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cbamcalc import extract
from cbamcalc.benchmarks import (
    Benchmark,
    benchmark,
    lookup_benchmarks,
    normalise_route,
    route_candidates,
    routes_of,
)
from cbamcalc.default_values import default_value
from cbamcalc.errors import InputError, ReferenceDataError


@pytest.fixture(scope="session")
def workbook_cells(shared_dir: Path) -> list[tuple[str, str, str, float, int, int]]:
    """(cn, column, route as printed, value, row, routes of the CN in that column) of every value cell."""
    rows = extract.read_workbook_values(shared_dir / extract.BENCHMARKS_WORKBOOK)["Benchmarks"]
    cells, cn = [], None
    for r, row in enumerate(rows[1:], start=2):
        if isinstance(row[0], int):
            cn = str(row[0])
        elif row[0] is not None:  # section heading
            cn = None
            continue
        for column, vi, ri in (("A", 2, 3), ("B", 4, 5)):
            if cn and row[vi] is not None:
                cells.append((cn, column, row[ri] or "", float(row[vi]), r))
    return cells


def test_every_benchmark_cell_comes_back(workbook_cells):
    frame = pd.DataFrame(workbook_cells, columns=["cn_code", "column", "route", "value", "row"])
    counts = frame.groupby(["cn_code", "column"])["route"].transform("size")
    # a CN code with a single row in a column needs no route: ask without one
    frame["route"] = frame["route"].where(counts > 1, "")
    out = lookup_benchmarks(frame)
    assert len(frame) == 2465
    assert (out["value"] == frame["value"]).all()
    letters = {"A": "C", "B": "E"}
    assert (out["source"] == [f"IR (EU) 2025/2620 Annex, Column {c}, sheet 'Benchmarks', cell {letters[c]}{r}"
                              for c, r in zip(frame["column"], frame["row"], strict=True)]).all()
    # every CBAM good of the goods list but electricity (2716 00 00) and the CN 2024 urea code 3102 10 10
    assert frame["cn_code"].nunique() == 570
    assert (out["unit"] == "tCO2e/t").all()


# THAI_CONTEXT.md, "BM col B" of the Thai default lines
THAI_BM = [
    ("72083900", 0.072), ("72104900", 0.141), ("72142000", 0.066), ("73063077", 0.141), ("73181595", 0.066),
    ("73269098", 0.141), ("76042100", 0.152), ("76061191", 0.148), ("76101000", 0.152), ("25232900", 0.666),
    ("31021019", 0.902), ("28141000", 1.522), ("28041000", 5.089),
]


@pytest.mark.parametrize(("cn", "value"), THAI_BM)
def test_thai_default_route_selects_the_column_b_benchmark(cn, value):
    dv = default_value(cn, "TH", 2026)
    bm = benchmark(cn, route=dv.route or None)
    assert bm.value == value
    assert bm.column == "B"


def test_clinker_routes_follow_the_variant():
    grey = default_value("2523 10 00", "TH", 2026, variant="grey")
    white = default_value("2523 10 00", "TH", 2026, variant="white")
    assert benchmark("2523 10 00", route=grey.route).value == 0.666
    assert benchmark("2523 10 00", route=white.route).value == 0.859


def test_route_forms():
    assert normalise_route("(E)") == normalise_route("e") == "E"
    assert normalise_route("(F)(1)") == normalise_route("F1") == "F(1)"
    assert normalise_route("(1)") == "1"
    assert normalise_route("") == normalise_route(None) == ""
    assert route_candidates("(C)/(F)") == ("C", "F")
    with pytest.raises(InputError, match=r"Field 'route': expected a production-route indicator.*found 'XYZ'"):
        normalise_route("XYZ")


def test_default_line_with_two_route_letters():
    # Other countries, 7229 wire of alloy steel: (C)/(F); 7229 90 50 has rows C, D, E in Column B
    dv = default_value("7229 90 50", "AD", 2026)
    assert dv.route == "C/F"
    assert benchmark("7229 90 50", route=dv.route).route == "C"
    # 7229 20 00 has F(1) ... J(2): without the production year the letter F leaves two rows, and none
    # is picked silently; (1)/(2) are production years 2026-27 / 2028-30 (IR 2025/2620 Annex 5.3)
    route = default_value("7229 20 00", "AD", 2026).route
    with pytest.raises(InputError, match=r"route C/F matches several Column B benchmarks of CN 7229 20 00 "
                                         r"\(F\(1\), F\(2\)\); give the production year or name one"):
        benchmark("7229 20 00", route=route)
    assert benchmark("7229 20 00", route=route, production_year=2027).route == "F(1)"
    assert benchmark("7229 20 00", route=route, production_year=2028).route == "F(2)"
    assert benchmark("7229 20 00", route="F(1)").value == benchmark("7229 20 00", route="(F)(1)").value


def test_column_a_printed_once_applies_to_every_route():
    assert routes_of("7208 39 00", column="A") == ("",)
    assert benchmark("7208 39 00", route="E", column="A").value == benchmark("7208 39 00", column="A").value
    assert routes_of("7206 10 00", column="A") == ("C", "D", "E")
    assert benchmark("7206 10 00", route="C", column="A").value == 0.15


def test_per_row_column_and_alignment():
    frame = pd.DataFrame({"cn_code": ["72061000", "7206 10 00", "28041000"], "route": ["E", "(E)", None],
                          "column": ["A", "B", None]}, index=["x", "y", "z"])
    out = lookup_benchmarks(frame)
    assert out.index.tolist() == ["x", "y", "z"]
    assert out["column"].tolist() == ["A", "B", "B"]
    assert out["value"].tolist() == [0.027, 0.027, 5.089]
    assert isinstance(benchmark("28041000"), Benchmark)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"cn": "7208 39 00"}, InputError,
         r"Field 'route': CN 7208 39 00 has 3 Column B benchmarks \(C, D, E\); give the route"),
        ({"cn": "7208 39 00", "route": "K"}, InputError,
         r"Field 'route': CN 7208 39 00 has no Column B benchmark for route K; expected one of C, D, E"),
        ({"cn": "7225 30 90", "route": "H"}, InputError,
         r"route H matches several Column B benchmarks of CN 7225 30 90 \(H\(1\), H\(2\)\)"),
        ({"cn": "7318 16 31", "route": "E"}, InputError,  # stainless nuts: only routes (1)/(2)
         r"no Column B benchmark for route E; expected one of 1, 2"),
        ({"cn": "2716 00 00"}, ReferenceDataError, r"no CBAM benchmark for CN 2716 00 00 in Column B"),
        ({"cn": "7318 15"}, InputError, r"Field 'cn_code': expected a CN code of 8 digits"),
        ({"cn": "7318 15 95", "route": "E", "column": "C"}, InputError,
         r"Field 'column': expected 'A' \(actual emissions\) or 'B' \(default values\), found 'C'"),
    ],
)
def test_errors(kwargs, error, match):
    cn = kwargs.pop("cn")
    with pytest.raises(error, match=match):
        benchmark(cn, **kwargs)


def test_frame_errors_name_the_row():
    frame = pd.DataFrame({"cn_code": ["73181595", "72083900"], "route": ["E", None]}, index=["ok", "bad"])
    with pytest.raises(InputError, match=r"row bad \(route\): CN 7208 39 00 has 3 Column B benchmarks"):
        lookup_benchmarks(frame)
    with pytest.raises(ReferenceDataError, match=r"row 0: no CBAM benchmark for CN 2716 00 00"):
        lookup_benchmarks(pd.DataFrame({"cn_code": ["27160000"]}))
