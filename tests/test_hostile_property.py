"""Property: whatever is done to a valid workbook, ``cbamcalc run`` succeeds or refuses it in one line.

Hypothesis mutates the shipped example workbook and the Communication template made from it:
random cells get random contents (numbers including nan, inf and 1e308, negative numbers, text with
control characters, booleans, Excel errors, formulas, bad shared-string indexes, nothing), parts
are truncated, removed or have bytes flipped. ``run`` must then exit 0, or exit 2 with exactly one
line ``cbamcalc run: error: ...`` on stderr; never a traceback or an internal error, the input
unchanged, nothing written. A watchdog (SIGALRM, 60 s) bounds each example's time and the peak
memory of the process is checked at the end; speed itself is not asserted.
"""

from __future__ import annotations

import hashlib
import resource
import signal
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import hostile_corpus as hc  # noqa: E402

#: Input sheets of each kind of workbook and the part of the grid where their inputs are.
WB_SHEETS = ["Installation", "Source streams", "Electricity & heat", "Processes", "Precursor flows",
             "Purchased precursors", "Goods & exports"]
COMM_SHEETS = {"B_EmInst": ("DEFHJKLNPR", 17, 20), "D_Processes": ("KLM", 14, 80),
               "E_PurchPrec": ("KLM", 15, 60), "C_Emissions&Energy": ("HIJKM", 16, 26),
               "A_InstData": ("EFIL", 9, 104), "VersionDocumentation": ("B", 2, 3)}

WATCHDOG_S = 60
MAX_RSS_KIB = 3 * 1024 * 1024


class Packages(dict):  # type: ignore[type-arg]
    """Parts and sheet paths by workbook name (a short repr: hypothesis prints it with a failing example)."""

    def __repr__(self) -> str:
        return f"Packages({', '.join(self)})"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    """Parts and sheet paths of the example workbook and of the Communication template made from it."""
    from cbamcalc.io.xlsx_safety import XlsxReader

    base = hc.build_bases(tmp_path_factory.mktemp("property_bases"))
    out = Packages()
    for name in (hc.WB, hc.COMM):
        out[name] = (hc.parts(base / name), XlsxReader(base / name).sheet_paths)
    return out


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_CONTENT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(lambda v: hc.num(repr(v))),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "1e999", "-1", "0", "1E+15", "abc", ""]).map(hc.num),
    st.integers(-10**20, 10**20).map(hc.num),
    _TEXT.map(hc.text),
    st.sampled_from([(' t="b"', "<v>1</v>"), (' t="e"', "<v>#DIV/0!</v>"), (' t="s"', "<v>-1</v>"),
                     (' t="s"', "<v>99999</v>"), (' t="s"', "<v>x</v>"), (' t="str"', "<v>12</v>"),
                     (' t="d"', "<v>2026-13-45</v>"), (' t="inlineStr"', "<is>"), ("", "<v>")]),
    st.sampled_from(["<f>1/0</f>", "<f>10^400</f>", "<f>A1</f>", "<f>" + "(" * 200 + "1" + ")" * 200 + "</f>",
                     "<f>SUM(A1:B2)</f>", "<f>E4*2</f>", "<f>'Processes'!E4+1</f>", "<f></f>", "<f>1E300*1E300</f>"]),
    st.just(""),
)


@st.composite
def cell_edit(draw: st.DrawFn, kind: str) -> tuple[str, str, str, tuple[str, str] | str]:
    if kind == hc.WB:
        sheet = draw(st.sampled_from(WB_SHEETS))
        col = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUV"))
        row = draw(st.integers(1, 12))
    else:
        sheet = draw(st.sampled_from(sorted(COMM_SHEETS)))
        cols, lo, hi = COMM_SHEETS[sheet]
        col = draw(st.sampled_from(cols))
        row = draw(st.integers(lo, hi))
    return ("cell", sheet, f"{col}{row}", draw(_CONTENT))


@st.composite
def part_edit(draw: st.DrawFn, names: list[str]) -> tuple[str, str, float, int]:
    return (draw(st.sampled_from(["truncate", "remove", "flip"])), draw(st.sampled_from(names)),
            draw(st.floats(0.0, 1.0)), draw(st.integers(0, 255)))


def mutate(content: dict[str, bytes], sheets: dict[str, str], edits: list[tuple]) -> dict[str, bytes]:
    out = dict(content)
    for e in edits:
        if e[0] == "cell":
            _, sheet, ref, inner = e
            part = sheets[sheet]
            if part in out:
                out[part] = hc.set_cell(out[part], ref, inner)
        elif e[1] in out:
            kind, part, where, byte = e
            data = out[part]
            if kind == "remove":
                del out[part]
            elif kind == "truncate":
                out[part] = data[: int(len(data) * where)]
            elif data:
                i = min(int(len(data) * where), len(data) - 1)
                out[part] = data[:i] + bytes([data[i] ^ (byte or 1)]) + data[i + 1:]
    return out


def _fresh(tmp_path: Path) -> Path:
    """A new empty folder for one example (tmp_path is shared by a test's examples)."""
    import tempfile

    return Path(tempfile.mkdtemp(dir=tmp_path))


class _Watchdog(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Watchdog(f"one run took more than {WATCHDOG_S} s")


def check_run(path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in path.parent.iterdir()}
    monkeypatch.chdir(path.parent)
    capsys.readouterr()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(WATCHDOG_S)
    try:
        status = main(["run", path.name])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    _, err = capsys.readouterr()
    assert status in (0, 2), err
    if status == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("cbamcalc run: error: "), err
        assert all(ch.isprintable() for ch in lines[0]), repr(lines[0])
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in path.parent.iterdir()}
    assert after == before, "the input changed or a file was written"


def check_mutated(name: str, data: st.DataObject, packages: dict, tmp_path: Path,
                  capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the package ``name`` after one to four drawn cell or part edits; :func:`check_run` judges the outcome."""
    content, sheets = packages[name]
    edits = data.draw(st.lists(st.one_of(cell_edit(name), cell_edit(name), part_edit(sorted(content))),
                               min_size=1, max_size=4))
    folder = _fresh(tmp_path)
    hc.write_parts(folder / name, mutate(content, sheets, edits))
    check_run(folder / name, capsys, monkeypatch)


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,  # CI: the same examples every run
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(data=st.data())
def test_mutated_input_workbook_runs_or_is_refused_in_one_line(data: st.DataObject, packages: dict, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    check_mutated(hc.WB, data, packages, tmp_path, capsys, monkeypatch)


@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_mutated_communication_template_runs_or_is_refused_in_one_line(data: st.DataObject, packages: dict,
                                                                       tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    check_mutated(hc.COMM, data, packages, tmp_path, capsys, monkeypatch)


@settings(SETTINGS, max_examples=25)
@given(cut=st.integers(0, 10**6), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=3))
def test_damaged_file_bytes_run_or_are_refused_in_one_line(cut: int, flips: list[tuple[int, int]], packages: dict,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Raw damage to the file itself: truncated anywhere, bytes flipped anywhere (headers, data, directory)."""
    content, _ = packages[hc.WB]
    folder = _fresh(tmp_path)
    hc.write_parts(folder / hc.WB, content)
    data = bytearray((folder / hc.WB).read_bytes())
    for pos, x in flips:
        data[pos % len(data)] ^= x
    if cut < len(data):
        data = data[: max(cut, 1) if cut % 3 else len(data)]
    (folder / hc.WB).write_bytes(bytes(data))
    check_run(folder / hc.WB, capsys, monkeypatch)


def test_peak_memory_stays_bounded() -> None:
    """After the runs above, the process's peak resident memory stayed under the bound."""
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < MAX_RSS_KIB


@settings(SETTINGS, max_examples=60)
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), _TEXT | st.sampled_from(
    ["", ";", ",", "\n", '"', "inf", "nan", "-1", "1e308", "7.442", "7442,5", "\x00", "#"])), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10**5)))
def test_mutated_trade_flow_csv_is_read_or_refused_with_its_place(edits: list[tuple[int, int, str]], cut: int | None,
                                                                  tmp_path: Path) -> None:
    """Any text edit of the trade-flow CSV: read into finite, non-negative masses, or an InputError naming the file."""
    import numpy as np

    from cbamcalc.errors import InputError
    from cbamcalc.io.trade_flows import read_trade_flows

    text = (hc.EXAMPLES / "thai_trade_flows_comext.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    for line_no, cell_no, new in edits:
        i = line_no % len(lines)
        cells = lines[i].split(",")
        cells[cell_no % len(cells)] = new
        lines[i] = ",".join(cells)
    body = "\n".join(lines) + "\n"
    if cut is not None:
        body = body[: cut % (len(body) + 1)]
    path = _fresh(tmp_path) / "flows.csv"
    path.write_text(body, encoding="utf-8")
    try:
        flows = read_trade_flows(path)
    except InputError as exc:
        assert str(exc).startswith(f"File '{path}'"), str(exc)
        return
    mass = flows["net_mass_t"].to_numpy(dtype=float)
    assert np.isfinite(mass).all() and (mass >= 0).all()


@settings(SETTINGS, max_examples=40)
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(
    ["inf", "nan", "-1", "1e308", "0", "2", "[", "{", '"x"', "[2026, 999999999]", "true", "1000000000", "",
     "{ a = { b = { c = 1 } } }", "'''", "\\u0000"]) | _TEXT), min_size=1, max_size=3))
def test_mutated_scenario_file_is_read_or_refused_with_its_place(edits: list[tuple[int, str]], tmp_path: Path) -> None:
    """Any value of the scenario file replaced: a scenario set, or an InputError naming the file."""
    from cbamcalc.errors import InputError
    from cbamcalc.scenarios import read_scenarios

    lines = (hc.EXAMPLES / "exposure_scenarios.toml").read_text(encoding="utf-8").splitlines()
    keyed = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    for pos, new in edits:
        i = keyed[pos % len(keyed)]
        lines[i] = lines[i].split("=", 1)[0] + "= " + new
    path = _fresh(tmp_path) / "s.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        read_scenarios(path)
    except InputError as exc:
        assert str(exc).startswith(f"File '{path}'") or f"'{path.parent}" in str(exc), str(exc)
