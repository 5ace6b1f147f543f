"""Browser tests: Debian's Chromium driven by Playwright against the live server with the seeds imported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make from that thread
# (the seed import) are still synchronous, so Django's async-safety guard must stand aside.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Accessibility rules axe checks: WCAG 2.1 A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RESULTS: dict[str, dict] = {}


def pytest_collection_modifyitems(config, items):
    """Every test here is a browser test; without Chromium or axe-core they are skipped (in CI they fail)."""
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().parent != here:
            continue
        item.add_marker(pytest.mark.browser)
        if missing and os.environ.get("CI") != "true":
            item.add_marker(pytest.mark.skip(reason=f"missing {', '.join(missing)}: run tests/browser/setup.sh"))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, seeded):
    """The live server's base URL, with the five seeds imported."""
    return live_server.url


def _new_page(chromium, width: int, height: int):
    # bypass_csp lets the test inject axe-core; the pages themselves are served with their real policy.
    context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    return context, page


@pytest.fixture
def page(chromium):
    context, page = _new_page(chromium, 1280, 900)
    yield page
    context.close()


@pytest.fixture
def phone(chromium):
    """A page 375 px wide, as a phone."""
    context, page = _new_page(chromium, 375, 812)
    yield page
    context.close()


def check_accessibility(page, name: str) -> list[dict]:
    """Run axe-core on the page; record the result, save a screenshot, return the serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    AXE_RESULTS[name] = {"url": page.url, "violations": violations}
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe():
    """check_accessibility, as a fixture: the results it records are the ones written at the end of the session."""
    return check_accessibility


def pytest_sessionfinish(session, exitstatus):
    """Leave the accessibility result per page beside the screenshots, for the closing note of the issue."""
    if AXE_RESULTS:
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / "axe-results.json").write_text(json.dumps(AXE_RESULTS, indent=2))
