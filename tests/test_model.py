"""The data model: plain dataclasses holding pint quantities, no computation."""

from __future__ import annotations

import dataclasses

from cbamcalc.model import Good, Installation, ProductionProcess, PurchasedPrecursor, SourceStream
from cbamcalc.units import Q_


def test_plain_dataclasses_with_defaults() -> None:
    p = ProductionProcess(id="P1", category="Cement", name="Kiln", production=Q_(1.2, "Mt"))
    assert p.production.m_as("t") == 1_200_000
    assert p.sent_to == {} and p.cells == {} and p.directly_attributable_emissions is None
    inst = Installation(processes=[p], goods=[Good("Kiln", "25232900")])
    assert inst.source_streams == [] and inst.template_version is None
    assert dataclasses.replace(p, name="Mill").name == "Mill"


def test_every_dataclass_carries_cells() -> None:
    for cls in (SourceStream, ProductionProcess, PurchasedPrecursor, Good):
        assert "cells" in {f.name for f in dataclasses.fields(cls)}
