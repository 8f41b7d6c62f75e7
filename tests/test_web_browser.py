"""The web page in a real browser: Debian's Chromium, driven by Playwright (no browser download).

What a user does: open the page in Thai, upload the Thai example, read the SEE shown, download
the results workbook and check it, upload a broken file and read the error. The screenshot of
the Thai results page is saved in the test's tmp folder (``thai_results.png``), and its path is
printed, to be looked at by a person: Thai glyphs, numbers and units must render.

Skipped only when ``/usr/bin/chromium`` (or ``CBAMCALC_CHROMIUM``) is absent; CI installs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from cbamcalc.cli import main  # noqa: E402
from cbamcalc.web.app import WebConfig, create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "thai_fastener_plant.xlsx"
CHROMIUM = os.environ.get("CBAMCALC_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A real uvicorn server on loopback, in a thread of the test process."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(WebConfig(workers=2)), host="127.0.0.1", port=port, access_log=False,
                            log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline:  # pragma: no cover
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="th-TH")
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        yield pg
        context.close()
        browser.close()


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["run", str(EXAMPLE), "--json"]) == 0
    return json.loads(buf.getvalue())


def test_thai_user_uploads_the_example_and_downloads_the_results(page, server: str, cli_run: dict,
                                                                tmp_path: Path) -> None:
    page.goto(f"{server}/?lang=th")
    assert page.locator("html").get_attribute("lang") == "th"
    assert page.locator("#upload h2").inner_text() == "2. อัปโหลดสมุดงานที่กรอกแล้ว"
    page.set_input_files("#file", str(EXAMPLE))
    page.click("#compute")
    page.wait_for_selector("#results")
    assert "?lang=th" in page.url  # the language stays in the URL
    assert page.locator("#results h2").inner_text() == "ผลลัพธ์ของ thai_fastener_plant.xlsx"

    # the SEE shown are those of `cbamcalc run --json`, per process and per good
    shown_processes = page.locator("#processes td.see-total").all_inner_texts()
    assert shown_processes == [f"{p['see_total']:,.4f}" for p in cli_run["processes"]]
    shown_goods = page.locator("#goods td.see-total").all_inner_texts()
    assert shown_goods == [f"{g['see_total']:,.4f}" for g in cli_run["products"]]
    assert page.locator("#goods tbody tr").count() == len(cli_run["products"])
    assert page.locator("#cost-charts svg").count() == 2
    assert page.locator("#cost tbody tr").count() == 9  # 2026-2034

    shot = tmp_path / "thai_results.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    keep = os.environ.get("CBAMCALC_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)
    print(f"screenshot of the Thai results page: {shot}")

    # download the results workbook (Thai) and check it
    with page.expect_download() as dl:
        page.click("#dl-results")
    saved = tmp_path / dl.value.suggested_filename
    dl.value.save_as(saved)
    assert saved.name == "thai_fastener_plant_results.xlsx"
    wb = openpyxl.load_workbook(saved, read_only=True)
    assert wb.sheetnames[0] == "สินค้า"
    rows = list(wb["สินค้า"].iter_rows(min_row=4, max_row=3 + len(cli_run["products"]), values_only=True))
    header = next(wb["สินค้า"].iter_rows(min_row=3, max_row=3, values_only=True))
    col = header.index("SEE รวม [tCO2e/t]")
    assert [r[col] for r in rows] == pytest.approx([g["see_total"] for g in cli_run["products"]], rel=1e-12)

    # and the filled EU template
    with page.expect_download() as dl2:
        page.click("#dl-communication")
    assert dl2.value.suggested_filename == "thai_fastener_plant_EU_communication.xlsx"
    filled = tmp_path / dl2.value.suggested_filename
    dl2.value.save_as(filled)
    assert "A_InstData" in openpyxl.load_workbook(filled, read_only=True).sheetnames


def test_thai_user_uploads_a_broken_file_and_reads_the_error(page, server: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken_plant.xlsx"
    shutil.copy(EXAMPLE, broken)
    wb = openpyxl.load_workbook(broken)
    wb["Installation"]["C3"] = None
    wb.save(broken)
    page.goto(f"{server}/?lang=th")
    page.set_input_files("#file", str(broken))
    page.click("#compute")
    box = page.wait_for_selector("#upload-error")
    text = box.inner_text()
    assert "ไม่สามารถใช้ไฟล์นี้ได้" in text
    assert page.locator("#upload-error td.err-sheet").inner_text() == "Installation"
    assert page.locator("#upload-error td.err-cell").inner_text() == "C3"
    assert re.search(r"File 'broken_plant\.xlsx', sheet 'Installation', cell C3", text)
    assert page.locator("#results").count() == 0
    page.screenshot(path=str(tmp_path / "thai_error.png"), full_page=True)


def test_language_switch_and_lookup(page, server: str) -> None:
    page.goto(f"{server}/?lang=th")
    page.click("#lang-en")
    assert page.url.endswith("?lang=en")
    assert page.locator("#upload h2").inner_text() == "2. Upload the filled workbook"
    page.fill("#lookup-cn", "7318 15 95")
    page.click("#lookup-go")
    page.wait_for_selector("#lookup-default")
    assert "lang=en" in page.url and "cn=7318+15+95" in page.url
    direct = float(page.locator("#lookup-direct").inner_text())
    assert float(page.locator("#lookup-with-markup").inner_text()) == pytest.approx(direct * 1.1, abs=5e-5)  # 2026
