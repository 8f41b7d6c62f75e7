"""The mark-up schedule as read from its table: one row per sector and year, an open-ended last row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cbamcalc import default_values as dv
from cbamcalc import refdata
from cbamcalc.errors import ReferenceDataError


def _schedule(monkeypatch, rows):
    table = pd.DataFrame(rows, columns=["sector", "valid_from", "valid_to", "value"])
    # the schedule is read as numpy columns (refdata.load_columns), as the light look-up path does
    monkeypatch.setattr(refdata, "load_columns", lambda name: {c: table[c].to_numpy() for c in table.columns})
    dv._markup_matrix.cache_clear()


@pytest.fixture(autouse=True)
def _fresh():
    dv._markup_matrix.cache_clear()
    yield
    dv._markup_matrix.cache_clear()


def test_rates_per_year_from_the_rows(monkeypatch):
    # 10 % in 2026, 20 % in 2027, 30 % from 2028 (IR (EU) 2026/1740 Annex I); fertilisers 1 % every year
    _schedule(monkeypatch, [("Cement", 2026, 2026, 10.0), ("Cement", 2027, 2027, 20.0), ("Cement", 2028, np.nan, 30.0),
                            ("Fertilisers", 2026, np.nan, 1.0)])
    sectors, matrix = dv._markup_matrix("2026/1740")
    assert sectors == {"Cement": 0, "Fertilisers": 1}
    np.testing.assert_allclose(matrix, [[0.10, 0.20, 0.30], [0.01, 0.01, 0.01]])


def test_two_rows_for_a_year_are_refused(monkeypatch):
    _schedule(monkeypatch, [("Cement", 2026, np.nan, 10.0), ("Cement", 2026, 2026, 20.0)])
    with pytest.raises(ReferenceDataError, match=r"markups_IR2026-1740.csv: 2 rows for Cement in 2026"):
        dv._markup_matrix("2026/1740")


def test_a_schedule_without_open_ended_row_is_refused(monkeypatch):
    _schedule(monkeypatch, [("Cement", 2026, 2026, 10.0), ("Cement", 2027, 2027, 20.0), ("Cement", 2028, 2030, 30.0)])
    with pytest.raises(ReferenceDataError, match=r"markups_IR2026-1740.csv: no open-ended row for Cement"):
        dv._markup_matrix("2026/1740")
