"""The reference tables of issue 3 in emission_factors/: manifest entries, sources, units, hashes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cbamcalc import refdata
from cbamcalc.units import ureg

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("default_values_2025_2621_v1", "benchmarks_2025_2620", "cn_codes", "countries")
CURATED = ("country_aliases", "markups")


@pytest.mark.parametrize("name", GENERATED + CURATED)
def test_entries_load_and_cite_their_source(name):
    info = refdata.table_info(name)
    assert info["kind"] == "law"
    assert info["title"] and info["source"]
    table = refdata.load_table(name)
    assert len(table) > 0
    assert (table["act"].str.strip() != "").all() and (table["provision"].str.strip() != "").all()
    if "unit" in table.columns:
        for unit in set(table["unit"]) - {""}:
            ureg.parse_units(unit)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_entries_name_the_command_and_the_source_hash(name, shared_dir):
    info = refdata.table_info(name)
    assert info["generated_by"] == "python -m cbamcalc.refdata build"
    assert info["source_file"].startswith("tests/data/cbam_templates/")  # a path in this repository
    source = shared_dir / info["source_file"].removeprefix("tests/data/")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == info["source_sha256"]


def test_values_carry_the_co2e_per_tonne_unit():
    for name, column in (("default_values_2025_2621_v1", "total"), ("benchmarks_2025_2620", "value")):
        table = refdata.load_table(name)
        assert set(table["unit"]) == {"tCO2e/t"}
        assert ureg.parse_units("tCO2e/t").dimensionality == ureg.parse_units("tCO2e/kg").dimensionality
        assert (table[column].dropna() >= 0).all()


def test_markup_schedule_table():
    table = refdata.load_table("markups")
    rates = {(r.sector, r.valid_from): r.value for r in table.itertuples()}
    for sector in ("Cement", "Iron and steel", "Aluminium", "Hydrogen"):
        assert (rates[(sector, 2026)], rates[(sector, 2027)], rates[(sector, 2028)]) == (10, 20, 30)
    assert rates[("Fertilisers", 2026)] == 1
    assert set(table["unit"]) == {"percent"}


def test_default_value_table_shape():
    table = refdata.load_table("default_values_2025_2621_v1")
    assert len(table) == 12532
    assert set(table["line_status"]) == {"value", "dash", "see_below"}
    assert set(table["heading_level"]) == {4, 6, 8}
    assert set(table["variant"]) == {"", "white", "grey"}
    assert set(table["indirect_status"]) == {"value", "n/a", "dash", "see_below"}
    values = table[table["line_status"] == "value"]
    assert values[["direct", "total"]].notna().all().all()
    routes = set(table["route"]) - {""}
    assert routes == {"A", "B", "C", "E", "F", "H", "K", "L", "C/F", "E/H"}


def test_manifest_files_exist_in_the_package_folder():
    for name in GENERATED + CURATED:
        assert (ROOT / "emission_factors" / refdata.table_info(name)["path"]).is_file()
