"""The loader of emission_factors/: manifest, hashes, validation, constants."""

import pytest

from cbamcalc import refdata
from cbamcalc.errors import ReferenceDataError


def test_every_table_validates_and_version_is_recorded():
    names = refdata.validate_all()
    assert "constants" in names
    assert refdata.data_version()


def test_constants_carry_their_source():
    row = refdata.constant_row("carbon_to_co2")
    assert row["value"] == pytest.approx(3.664)
    assert row["act"] and row["provision"]
    assert refdata.constant("gwp_n2o") == 265


def test_unknown_constant_and_table():
    with pytest.raises(ReferenceDataError, match="Constant 'nope': expected one of"):
        refdata.constant("nope")
    with pytest.raises(ReferenceDataError, match="Reference table 'nope'"):
        refdata.load_table("nope")


def test_load_table_returns_a_copy():
    a = refdata.load_table("constants")
    a.loc[0, "value"] = -1
    assert refdata.load_table("constants").loc[0, "value"] != -1


def _fake_manifest(monkeypatch, tmp_path, csv_text, **entry):
    import cbamcalc.refdata as r

    (tmp_path / "t.csv").write_text(csv_text, encoding="utf-8")
    man = {"data_version": "x", "files": {"t": {"path": "t.csv", "sha256": "", "kind": "law", **entry}}}
    monkeypatch.setattr(r, "_root", lambda: tmp_path)
    r.manifest.cache_clear()
    r._source.cache_clear()
    r._load.cache_clear()
    monkeypatch.setattr(r, "manifest", lambda: man)
    return r


@pytest.mark.parametrize(
    ("csv_text", "entry", "msg"),
    [
        ("key,value,unit,act,provision\na,1,t,,Annex I\n", {}, r"t.csv, row 2: column 'act' is empty"),
        ("key,value,unit,act\na,1,t,X\n", {}, r"t.csv: missing column\(s\) provision"),
        ("key,value,unit,act,provision\na,1,blorp,X,Y\n", {}, r"t.csv, row 2: unit 'blorp'"),
        ("key,value,unit,act,provision\na,abc,t,X,Y\n", {}, r"t.csv, row 2, column 'value': expected a number, found 'abc'"),
        ("key,value,unit,act,provision\na,1,t,X,Y\n", {"sha256": "00"}, r"t.csv: sha256 does not match"),
    ],
)
def test_validation_names_file_and_row(monkeypatch, tmp_path, csv_text, entry, msg):
    r = _fake_manifest(monkeypatch, tmp_path, csv_text, **entry)
    try:
        with pytest.raises(ReferenceDataError, match=msg):
            r.load_table("t")
    finally:
        r._source.cache_clear()
        r._load.cache_clear()
