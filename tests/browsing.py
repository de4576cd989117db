"""Shared by the browser tests: Debian's Chromium driven by Playwright (no browser is downloaded),
and axe-core (vendored in tests/vendor) for WCAG 2.1 A/AA checks."""

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    """'rule: first targets' of every WCAG 2.1 A/AA violation on the page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
