import pytest

from cbamcalc.errors import CbamError, InputError, OutputError, ReferenceDataError, UnitError


def test_input_error_composes_location_expected_found():
    e = InputError(sheet="B_EmInst", cell="K12", field="net calorific value",
                   expected="energy per mass (GJ/t)", found="kg")
    assert str(e) == "Sheet 'B_EmInst', cell K12 (net calorific value): expected energy per mass (GJ/t), found 'kg'"
    assert isinstance(e, ValueError) and isinstance(e, CbamError)


def test_input_error_with_file_row_column_and_message():
    e = InputError("negative mass", file="flows.csv", row=7, column="net_mass_t", expected=">= 0", found=-3.0)
    assert str(e) == "File 'flows.csv', row 7, column 'net_mass_t': negative mass; expected >= 0, found -3.0"


def test_field_only():
    e = InputError("not a CBAM good", field="cn_code", found="12345678")
    assert str(e) == "Field 'cn_code': not a CBAM good; found '12345678'"


def test_located_fills_missing_location_only():
    e = UnitError(field="activity data", expected="a mass", found="MWh").located(sheet="X", cell="F17", field="ignored")
    assert isinstance(e, UnitError)
    assert str(e) == "Sheet 'X', cell F17 (activity data): expected a mass, found 'MWh'"


def test_hierarchy():
    assert issubclass(UnitError, InputError)
    assert issubclass(ReferenceDataError, LookupError)
    assert issubclass(OutputError, OSError)
    with pytest.raises(CbamError, match="nope"):
        raise ReferenceDataError("nope")
