"""The package namespace: orchestrators, I/O entry points and errors, imported on first use."""

import subprocess
import sys

import pytest

import cbamcalc


@pytest.mark.parametrize("name", sorted(cbamcalc._LAZY))
def test_every_public_name_resolves(name):
    obj = getattr(cbamcalc, name)
    assert isinstance(obj, str) if name == "__version__" else callable(obj)
    assert name in dir(cbamcalc)


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cbamcalc.nope  # noqa: B018


def test_import_is_light():
    out = subprocess.run(
        [sys.executable, "-c", "import sys, cbamcalc; print('pandas' in sys.modules, 'pint' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "False False"


def test_all_lists_every_lazy_name():
    assert set(cbamcalc._LAZY) <= set(cbamcalc.__all__)


def test_build_report_is_the_operator_reports_own():
    from cbamcalc import operator_report

    assert cbamcalc.build_report is operator_report.build_report
    assert "build_report" in cbamcalc.__all__
