"""The monitor in a real browser (Debian chromium, headless) against a real gateway server seeded through the pipeline.

Screenshots of the dashboard and the detail page (docs/screenshots/*.png, see docs/monitor.md):
``ACORN_SCREENSHOTS=1 .venv/bin/pytest tests/ui/test_browser_monitor.py``
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.browser_support import VIEWPORT, Server, chromium, require_chromium, running_gateway, screenshot, sign_in
from tests.ui.seed import PO_NUMBER

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    with running_gateway(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    context.on("dialog", lambda dialog: dialog.accept())  # the actions' confirmation boxes
    try:
        yield context.new_page()
    finally:
        context.close()


def test_sign_in_find_a_po_and_read_its_detail(page: Any, server: Server) -> None:
    sign_in(page, server.url, "ana")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("svg.chart").count() == 3
    assert "Connection refused" in page.locator("section", has_text="Failed this week (1)").inner_text()
    screenshot(page, "dashboard")

    page.keyboard.press("/")  # the keyboard shortcut to the search box
    page.keyboard.type(PO_NUMBER)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/documents\?q=4500012345"))
    rows = page.locator("tbody tr")
    assert rows.count() == 2  # the 850 received and the 810 sent for it
    page.locator("tbody tr", has_text="850").get_by_role("link", name=PO_NUMBER).click()
    page.wait_for_url(f"{server.url}/documents/{server.seeded.po_id}")

    x12 = page.locator("pre.x12")
    assert "BEG*00*NE*4500012345**20260110~" in x12.inner_text()
    po_number = x12.locator("span.el", has_text=PO_NUMBER).first
    assert po_number.get_attribute("title", timeout=5000).startswith("BEG03")
    assert '"purchaseOrderNumber": "4500012345"' in page.locator("pre.json").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "translate" in timeline and "dead letter" in timeline
    as2_card = page.locator("section", has_text="MDN").first.inner_text()
    assert "automatic-action/MDN-sent-automatically; processed" in as2_card
    chain = page.get_by_role("navigation", name="order chain").inner_text()
    assert "850 4500012345" in chain and "810 4500012345" in chain
    screenshot(page, "document")


def test_retry_a_failed_delivery_and_see_its_status_change(page: Any, server: Server) -> None:
    sign_in(page, server.url, "ana")
    page.goto(f"{server.url}/documents/{server.seeded.po_id}")
    status = page.locator(f"[data-delivery='{server.seeded.webhook_delivery_id}']")
    assert status.inner_text() == "dead"
    page.get_by_role("button", name="Retry the failed step").click()
    page.wait_for_url(re.compile(r"flash="))
    assert "queued again" in page.locator(".flash").inner_text()
    assert page.locator(f"[data-delivery='{server.seeded.webhook_delivery_id}']").inner_text() == "pending"
    assert "ana" in page.locator("ol.timeline li", has_text="monitor.action").inner_text()


def test_an_analyst_cannot_reach_admin_pages(page: Any, server: Server) -> None:
    sign_in(page, server.url, "ana")
    nav = page.get_by_role("navigation", name="main").inner_text()
    assert "Admin" not in nav and "Partners" not in nav
    for path in ("/admin", "/partners", "/partners/amazon"):
        response = page.goto(server.url + path)
        assert response.status == 403, path
    # An administrator does reach them (the refusal above is about the role, not a broken page).
    page.context.clear_cookies()
    sign_in(page, server.url, "root")
    assert page.goto(server.url + "/admin").status == 200
    assert "Amazon Vendor Central" in page.goto(server.url + "/partners/amazon").text()


def test_a_form_without_its_csrf_token_is_refused(page: Any, server: Server, tmp_path: Path) -> None:
    sign_in(page, server.url, "ana")
    page.goto(f"{server.url}/documents/{server.seeded.invoice_id}")
    before = page.locator("h1 .status").inner_text()
    form = page.locator("form[action$='/reprocess']")
    form.evaluate("f => f.querySelector('input[name=csrf]').remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button").click()
    assert answer.value.status == 403
    assert "CSRF" in page.content()
    page.goto(f"{server.url}/documents/{server.seeded.invoice_id}")
    assert page.locator("h1 .status").inner_text() == before  # nothing was reprocessed
