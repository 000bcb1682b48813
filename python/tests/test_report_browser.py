"""End to end: each report opens from file in headless Chromium (Debian's, driven by playwright;
no browser is downloaded), shows every section, logs no console error and makes no network
request. A full-page screenshot of each is kept under target/report-screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import upsell

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / "target" / "report-screenshots"
SECTIONS = ["state", "affinity", "recommendations", "pricing", "triggers", "opportunities"]
GROCERIES = {"invoice": "Member_number+Date", "customer": "Member_number", "time": "Date", "item": "itemDescription",
             "quantity": None, "price": None, "description": None, "segment": None}
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "data" / "online_retail_sample.csv"


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (scripts/test-all.sh installs Debian's package)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.mark.parametrize("name", ["online_retail_week", "groceries_members", "sample"])
def test_report_in_browser(browser, data_dir, tmp_path, name):
    if name == "sample":
        result = upsell.report(SAMPLE, date="2026-12-03", output=tmp_path)
    elif name == "groceries_members":
        result = upsell.report(data_dir / "groceries_members.csv", columns=GROCERIES, date="2026-12-03", output=tmp_path)
    else:
        result = upsell.report(data_dir / f"{name}.csv", date="2026-12-03", output=tmp_path)
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors, requests = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url) if not request.url.startswith(("file:", "data:")) else None)
    page.goto(Path(result.paths["html"]).as_uri(), wait_until="load")
    for section in SECTIONS:
        assert page.locator(f"section#{section} h2").is_visible(), section
    assert page.locator("svg.chart").count() >= 1
    assert errors == [] and requests == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    phone = browser.new_page(viewport={"width": 390, "height": 800})
    phone.goto(Path(result.paths["html"]).as_uri(), wait_until="load")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    phone.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
