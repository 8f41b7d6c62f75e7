"""The web page's routes through Starlette's test client: every route, every error path.

The page and the API must give what the CLI gives: each test runs ``cbamcalc.cli.main`` on
the same file or flags and compares. The hand-computed number is the quick look-up's default
value with its mark-up: the default value times 1.2 for imports in 2027 and 1.1 in 2026 (the
mark-up of IR (EU) 2025/2621 for iron and steel goods); the default values themselves are
compared with ``cbamcalc defaults --json`` (the bundled table may be replaced by a newer act).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2", reason="Starlette's test client needs httpx2 (the webtest extra)")

from starlette.testclient import TestClient  # noqa: E402

from cbamcalc.cli import main  # noqa: E402
from cbamcalc.web.app import WebConfig, create_app  # noqa: E402
from cbamcalc.web.chart import nice_ticks, stacked_columns  # noqa: E402
from cbamcalc.web.jobs import safe_name  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "thai_fastener_plant.xlsx"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(WebConfig(workers=2)))


@pytest.fixture(scope="module")
def example_bytes() -> bytes:
    return EXAMPLE.read_bytes()


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Thai example with its mandatory cell Installation!C3 emptied."""
    path = tmp_path_factory.mktemp("broken") / "broken_plant.xlsx"
    shutil.copy(EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    wb["Installation"]["C3"] = None
    wb.save(path)
    return path


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _cli_error(err: str, command: str) -> str:
    prefix = f"cbamcalc {command}: error: "
    assert err.startswith(prefix), err
    return err[len(prefix):].strip()


# ---------------------------------------------------------------------------- the page


def test_page_in_english_and_thai(client: TestClient) -> None:
    en = client.get("/")
    assert en.status_code == 200 and '<html lang="en">' in en.text
    assert "Upload the filled workbook" in en.text
    th = client.get("/?lang=th")
    assert th.status_code == 200 and '<html lang="th">' in th.text
    assert "อัปโหลดสมุดงานที่กรอกแล้ว" in th.text
    assert 'action="/?lang=th"' in th.text  # the language stays in the URL after an upload
    assert client.get("/?lang=xx").text.startswith("<!doctype html>\n<html lang=\"en\">")
    csp = th.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp  # no script may run at all
    assert th.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/style.css").status_code == 200


def test_upload_shows_the_cli_results(client: TestClient, example_bytes: bytes, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    r = client.post("/?lang=th", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    assert r.status_code == 200
    code, out, _ = _cli(capsys, "run", str(EXAMPLE), "--json")
    ref = json.loads(out)
    html = r.text
    shown = re.findall(r'class="n see-total">([0-9.,]+)<', html)
    expected = [f"{p['see_total']:,.4f}" for p in ref["processes"]] + [f"{g['see_total']:,.4f}" for g in ref["products"]]
    assert shown == expected
    assert "ผลลัพธ์ของ thai_fastener_plant.xlsx" in html
    # beside each good the EU default value of Thailand as `cbamcalc defaults` gives it, with the 2026 mark-up
    # of 10 % (direct x 1.1 for these iron and steel goods, which count direct emissions only)
    marked = [float(v) for v in re.findall(r'class="n dv dv-markup">([0-9.]+)<', html)]
    for g, shown_value in zip(ref["products"], marked, strict=True):
        _, dv_out, _ = _cli(capsys, "defaults", "--cn", g["cn_code"], "--country", "TH", "--year", "2026", "--json")
        dv = json.loads(dv_out)
        assert shown_value == pytest.approx(dv["value_with_markup"], abs=5e-5)
        assert shown_value == pytest.approx(dv["direct"] * 1.1, abs=5e-5)
    # cost 2026-2034 as two inline SVG charts (EUR, THB) and a table by year
    assert html.count("<svg") == 2 and 'data-category="2034"' in html
    assert re.findall(r'<tr data-year="(\d{4})">', html) == [str(y) for y in range(2026, 2035)]
    assert "ค่าใช้จ่าย CBAM รายปี [บาท]" in html
    # the download forms carry the upload itself (the server keeps nothing)
    carried = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    assert base64.b64decode(carried) == example_bytes


def test_upload_error_is_shown_as_the_cli_shows_it(client: TestClient, broken: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    r = client.post("/?lang=th", files={"file": (broken.name, broken.read_bytes())})
    assert r.status_code == 400
    code, _, err = _cli(capsys, "run", str(broken))
    assert code == 2
    line = _cli_error(err, "run")
    assert "cell C3" in line
    assert f"<code>{line}</code>" in r.text.replace("&#39;", "'")
    assert "แผ่นงาน</th><td class=\"err-sheet\">Installation<" in r.text
    assert "เซลล์</th><td class=\"err-cell\">C3<" in r.text
    assert 'id="upload-error"' in r.text and 'id="results"' not in r.text


def test_upload_without_a_file(client: TestClient) -> None:
    r = client.post("/?lang=en", files={"file": ("", b"")})
    assert r.status_code == 400 and "no file: choose a filled workbook" in r.text
    r = client.post("/", data={"x": "1"}, files={"other": ("a.txt", b"a")})
    assert r.status_code == 400
    r = client.post("/", content=b"file=abc", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "multipart/form-data" in r.text


def test_lookup_of_a_default_value_and_cost(client: TestClient) -> None:
    r = client.get("/?lang=th&cn=7318 15 95&country=TH&year=2027&tonnes=500")
    assert r.status_code == 200
    shown = float(re.search(r'id="lookup-with-markup">([0-9.]+)<', r.text).group(1))
    direct = float(re.search(r'id="lookup-direct">([0-9.]+)<', r.text).group(1))
    assert shown == pytest.approx(direct * 1.2, abs=5e-5)  # mark-up of 2027: 20 %
    assert "ค่าใช้จ่าย CBAM ตามค่าเริ่มต้น 500 ตันต่อปี" in r.text
    assert r.text.count("<svg") == 2
    assert 'href="?lang=en&amp;cn=7318+15+95&amp;country=TH&amp;year=2027&amp;tonnes=500"' in r.text  # switch keeps it
    bad = client.get("/?cn=99999999&country=TH")
    assert bad.status_code == 400 and 'id="lookup-error"' in bad.text and "not a CBAM good" in bad.text


# ---------------------------------------------------------------------------- the API


def test_api_run_is_the_cli_json(client: TestClient, example_bytes: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    r = client.post("/api/run", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    _, out, _ = _cli(capsys, "run", str(EXAMPLE), "--json")
    assert r.content.decode("utf-8") == out  # byte for byte what the CLI prints


def test_api_run_errors(client: TestClient, broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = client.post("/api/run", files={"file": (broken.name, broken.read_bytes())})
    _, _, err = _cli(capsys, "run", str(broken))
    assert r.status_code == 400 and r.json() == {"error": _cli_error(err, "run")}
    r = client.post("/api/run", files={"file": ("notes.xlsx", b"plain text")})
    assert r.status_code == 400 and r.json()["error"].startswith("File 'notes.xlsx': not an .xlsx workbook")
    r = client.post("/api/run", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "multipart/form-data" in r.json()["error"]
    r = client.post("/api/run", files={"nofile": ("a.xlsx", b"x")})
    assert r.status_code == 400 and "no file" in r.json()["error"]


def test_upload_size_cap(example_bytes: bytes) -> None:
    small = TestClient(create_app(WebConfig(max_upload_bytes=50_000)))
    r = small.post("/api/run", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})  # 75 kB
    assert r.status_code == 413 and "larger than the limit" in r.json()["error"]
    r = small.post("/", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    assert r.status_code == 413 and 'id="upload-error"' in r.text


def test_processing_time_cap(example_bytes: bytes) -> None:
    hasty = TestClient(create_app(WebConfig(timeout=0.001)))
    r = hasty.post("/api/run", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    assert r.status_code == 400 and "took longer than 0.001 s and was stopped" in r.json()["error"]


def test_busy_server_answers_503() -> None:
    full = TestClient(create_app(WebConfig(max_waiting=0)))
    r = full.get("/api/defaults?cn=73181595&country=TH&year=2026")
    assert r.status_code == 503 and r.json() == {"error": "the server is busy; try again in a minute"}


def test_upload_name_never_chooses_a_folder(client: TestClient, example_bytes: bytes, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    r = client.post("/api/run", files={"file": ("../../etc/evil name<>.xlsx", example_bytes)})
    assert r.status_code == 200 and r.json()["source_file"] == "evil name__.xlsx"
    assert list(tmp_path.iterdir()) == []  # the private folder is gone, nothing written beside it


@pytest.mark.parametrize(("given", "safe"), [
    ("plant.xlsx", "plant.xlsx"), ("..\\..\\x.xlsx", "x.xlsx"), ("/etc/passwd", "passwd"), ("..", "upload.xlsx"),
    ("", "upload.xlsx"), (".hidden.xlsx", "hidden.xlsx"), ("โรงงาน ก.xlsx", "โรงงาน ก.xlsx"), ("a\x00b.xlsx", "a_b.xlsx"),
    ("x" * 300 + ".xlsx", "x" * 95 + ".xlsx"),
])
def test_safe_name(given: str, safe: str) -> None:
    assert safe_name(given) == safe


def test_api_defaults_is_the_cli_json(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    r = client.get("/api/defaults", params={"cn": "73181595", "country": "TH", "year": "2027"})
    _, out, _ = _cli(capsys, "defaults", "--cn", "73181595", "--country", "TH", "--year", "2027", "--json")
    assert r.status_code == 200 and r.json() == json.loads(out)
    assert r.json()["value_with_markup"] == pytest.approx(r.json()["direct"] * 1.2)  # 2027: 20 % mark-up


def test_api_defaults_errors(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    r = client.get("/api/defaults", params={"cn": "73181595", "country": "Atlantis", "year": "2027"})
    _, _, err = _cli(capsys, "defaults", "--cn", "73181595", "--country", "Atlantis", "--year", "2027")
    assert r.status_code == 400 and r.json() == {"error": _cli_error(err, "defaults")}
    r = client.get("/api/defaults", params={"cn": "73181595", "year": "2027"})
    assert r.status_code == 400 and r.json()["error"].startswith("the following arguments are required: --country")
    r = client.get("/api/defaults", params={"cn": "73181595", "country": "TH", "year": "2027", "file": "/etc/x"})
    assert r.status_code == 400 and r.json()["error"].startswith("unknown parameter 'file'")


def test_api_cost_is_the_cli_json(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    q = {"cn": "73181595", "country": "TH", "tonnes": "1000", "years": "2026-2034", "eur_thb": "38.5"}
    r = client.get("/api/cost", params=q)
    _, out, _ = _cli(capsys, "cost", "--cn", "73181595", "--country", "TH", "--tonnes", "1000", "--years",
                     "2026-2034", "--eur-thb", "38.5", "--json")
    assert r.status_code == 200 and r.json() == json.loads(out)
    assert [o["year"] for o in r.json()] == list(range(2026, 2035))


def test_api_cost_errors(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    r = client.get("/api/cost", params={"cn": "73181595", "country": "TH", "tonnes": "abc"})
    assert r.status_code == 400 and r.json()["error"].startswith("argument --tonnes: invalid float value: 'abc'")
    r = client.get("/api/cost", params={"cn": "73181595", "country": "TH", "tonnes": "-5"})
    _, _, err = _cli(capsys, "cost", "--cn", "73181595", "--country", "TH", "--tonnes", "-5")
    assert r.status_code == 400 and r.json() == {"error": _cli_error(err, "cost")}
    for flag in ("from_run", "price_path", "eur_thb_path"):  # flags that name a file are not offered
        r = client.get("/api/cost", params={"cn": "73181595", "tonnes": "1", flag: "/etc/passwd"})
        assert r.status_code == 400 and r.json()["error"].startswith(f"unknown parameter '{flag}'")


# ---------------------------------------------------------------------------- downloads


def _xlsx(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content), read_only=True)


def test_blank_workbooks(client: TestClient) -> None:
    for lang, sheet in (("en", "Installation"), ("th", "Installation"), ("both", "Installation")):
        r = client.get(f"/download/workbook?lang={lang}")
        assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment;")
        assert sheet in _xlsx(r.content).sheetnames
    th = _xlsx(client.get("/download/workbook?lang=th").content)
    assert "ข้อมูลผู้ผลิต" in str(th["Installation"]["A2"].value) or any(
        "ข้อมูล" in str(c.value) for row in th["Installation"].iter_rows(max_row=3) for c in row if c.value)
    r = client.get("/download/workbook?lang=fr")
    assert r.status_code == 400 and r.json()["error"] == "expected lang en, th or both, found 'fr'"


def test_blank_eu_template(client: TestClient) -> None:
    from cbamcalc.io.communication_writer import BLANK_NAME, BLANK_SHA256

    r = client.get("/download/eu-template")
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == BLANK_SHA256
    assert BLANK_NAME in r.headers["content-disposition"]


def test_results_workbook_download(client: TestClient, example_bytes: bytes, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    carried = base64.b64encode(example_bytes).decode("ascii")
    r = client.post("/download/results?lang=th", files={"upload": (None, carried),
                                                        "filename": (None, "thai_fastener_plant.xlsx")})
    assert r.status_code == 200
    assert "thai_fastener_plant_results.xlsx" in r.headers["content-disposition"]
    web = _xlsx(r.content)
    out = tmp_path / "cli.xlsx"
    _cli(capsys, "run", str(EXAMPLE), "--out", str(out), "--lang", "th")
    cli = openpyxl.load_workbook(out, read_only=True)
    assert web.sheetnames == cli.sheetnames and web.sheetnames[0] == "สินค้า"
    rows = lambda wb: [[c for c in row] for row in wb[wb.sheetnames[0]].iter_rows(min_row=3, max_row=7, values_only=True)]  # noqa: E731
    assert rows(web) == rows(cli)
    # the same route takes a plain upload
    r = client.post("/download/results", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    assert r.status_code == 200 and _xlsx(r.content).sheetnames[0] == "Goods"


def test_operator_report_download_is_the_cli_report(client: TestClient, example_bytes: bytes, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from cbamcalc.io.operator_report_workbook import read_operator_report

    page = client.post("/?lang=th", files={"file": ("thai_fastener_plant.xlsx", example_bytes)}).text
    assert 'action="/download/report?lang=th"' in page and 'id="dl-report"' in page
    assert '<option value="">ปีของช่วงเวลาการรายงาน</option>' in page and "<option>2034</option>" in page
    carried = base64.b64encode(example_bytes).decode("ascii")
    r = client.post("/download/report?lang=th", files={"upload": (None, carried), "year": (None, "2027"),
                                                       "filename": (None, "thai_fastener_plant.xlsx")})
    assert r.status_code == 200
    assert "thai_fastener_plant_operator_report.xlsx" in r.headers["content-disposition"]
    (tmp_path / "web.xlsx").write_bytes(r.content)
    code, _, _ = _cli(capsys, "report", str(EXAMPLE), "--out", str(tmp_path / "cli.xlsx"), "--lang", "th",
                      "--year", "2027")
    assert code == 0
    web, cli = (read_operator_report(tmp_path / n) for n in ("web.xlsx", "cli.xlsx"))
    assert web.to_dict() == cli.to_dict() and web.goods is not None and len(web.goods) == 3
    assert _xlsx(r.content).sheetnames == openpyxl.load_workbook(tmp_path / "cli.xlsx", read_only=True).sheetnames
    # without a year the example's 2025 period is refused with the CLI's own line
    r = client.post("/download/report", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    _, _, err = _cli(capsys, "report", str(EXAMPLE), "--out", str(tmp_path / "none.xlsx"))
    assert r.status_code == 400 and r.json()["error"] == _cli_error(err, "report")
    r = client.post("/download/report", files={"file": ("thai_fastener_plant.xlsx", example_bytes),
                                               "year": (None, "--out")})
    assert r.status_code == 400 and "argument --year: invalid int value: '--out'" in r.json()["error"]


def test_download_errors(client: TestClient, broken: Path) -> None:
    r = client.post("/download/results", files={"upload": (None, "***not base64***"), "filename": (None, "a.xlsx")})
    assert r.status_code == 400 and r.json() == {"error": "the field 'upload' is not base64"}
    r = client.post("/download/communication", files={"file": (broken.name, broken.read_bytes())})
    assert r.status_code == 400 and "cell C3" in r.json()["error"]


def test_filled_eu_template_download(client: TestClient, example_bytes: bytes, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    r = client.post("/download/communication", files={"file": ("thai_fastener_plant.xlsx", example_bytes)})
    assert r.status_code == 200
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(r.content)
    _, out, _ = _cli(capsys, "run", str(filled), "--json")
    _, ref, _ = _cli(capsys, "run", str(EXAMPLE), "--json")
    got, want = json.loads(out), json.loads(ref)
    assert got["template_version"] == "2.1.1"
    assert [p["see_total"] for p in got["products"]] == pytest.approx([p["see_total"] for p in want["products"]])
    # the filled template uploaded to the page: same SEE, no cost (the EU template gives no exports)
    page = client.post("/?lang=en", files={"file": ("filled.xlsx", r.content)})
    assert page.status_code == 200 and "EU Communication template; cbamcalc" in page.text
    shown = re.findall(r'<tr data-cn="(\d{8})">.*?class="n see-total">([0-9.,]+)<', page.text, re.S)
    assert shown == [(g["cn_code"], f"{g['see_total']:,.4f}") for g in got["products"]]
    assert 'id="cost-none"' in page.text


# ---------------------------------------------------------------------------- chart and command


def test_chart_ticks_and_escaping() -> None:
    assert nice_ticks(3_130_000) == [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000]
    assert nice_ticks(0.0) == [0.0, 1.0]
    svg = stacked_columns(["2026", "2027"], [("<script>x</script>", [1.0, 2.0]), ("b & c", [3.0, None])],
                          title="cost <EUR>", unit="EUR")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "b &amp; c" in svg
    assert re.findall(r'data-total="([0-9.]+)"', svg) == ["4.00", "2.00"]


def test_serve_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert main(["serve"]) == 0
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["access_log"] is False
    assert "warning" not in capsys.readouterr().err
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123"]) == 0
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8123
    assert "warning: listening on 0.0.0.0, not on this machine only" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cbamcalc serve: error: ") and "--workers" in err and "expected a number > 0, found 0" in err


def test_wheel_ships_the_page_assets() -> None:
    """Every non-Python file of cbamcalc/web matches a package-data pattern of pyproject.toml."""
    import fnmatch
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "cbamcalc.web" in conf["packages"]
    patterns = conf["package-data"]["cbamcalc.web"]
    web = ROOT / "cbamcalc" / "web"
    assets = [p.relative_to(web).as_posix() for p in web.rglob("*")
              if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert {"labels.csv", "templates/page.html", "static/style.css"} <= set(assets)
    assert [a for a in assets if not any(fnmatch.fnmatch(a, pat) for pat in patterns)] == []
