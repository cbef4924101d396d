"""axe-core in the page (shipped by axe-playwright-python, so it works offline)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
BLOCKING = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    results = _AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]
