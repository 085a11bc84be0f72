"""axe-core checks for the browser tests: `assert_accessible(page)` fails on serious or critical violations."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from playwright.sync_api import Page

from config import BASE_DIR

AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
TARGETS_SHOWN = 3

# axe is put on the page by CDP evaluation, not by a <script> tag: our content security policy forbids inline
# script, and evaluation from the test driver is not subject to it.
_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


@lru_cache(maxsize=1)
def axe_source(path: Path = AXE_JS) -> str:
    """The text of axe.min.js from node_modules; a missing file fails the test (never a skip)."""
    if not path.is_file():
        pytest.fail(f"axe-core is not installed ({path} is missing): run `make setup` (npm ci) first", pytrace=False)
    return path.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict]:
    """Every WCAG 2.2 AA violation axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, WCAG_TAGS)


def describe(found: list[dict]) -> str:
    """One line per violation: rule, impact, what it means and where (the first few elements)."""
    lines = []
    for v in found:
        shown = ", ".join(v["targets"][:TARGETS_SHOWN])
        more = f" (+{len(v['targets']) - TARGETS_SHOWN} more)" if len(v["targets"]) > TARGETS_SHOWN else ""
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']}: {shown}{more}  <{v['helpUrl']}>")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail when axe finds any serious or critical violation; minor and moderate ones are allowed."""
    blocking = [v for v in violations(page) if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(f"axe-core found {len(blocking)} serious or critical violation(s) on {page.url}:\n"
                    f"{describe(blocking)}", pytrace=False)
