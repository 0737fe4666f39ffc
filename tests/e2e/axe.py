"""Accessibility checks in the browser journeys: axe-core (from npm, pinned in package.json)
runs on the page as it is, and any serious or critical violation fails the test.

The script is evaluated through the DevTools protocol (``page.evaluate``), which a
Content-Security-Policy without inline scripts does not block, unlike an added <script> tag.
"""
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@cache
def axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make install` (npm ci)", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Page):
    """axe-core's violations on the page now, as (rule, impact, help, [selectors])."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => [
               v.id, v.impact, v.help, v.nodes.map(n => n.target.join(' ')).slice(0, 5)]))"""
    )
    return [tuple(v) for v in found]


def assert_accessible(page: Page):
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    bad = [v for v in violations(page) if v[1] in FAILING_IMPACTS]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(
        f"  {rule} ({impact}): {help_} at {', '.join(nodes)}" for rule, impact, help_, nodes in bad
    )
