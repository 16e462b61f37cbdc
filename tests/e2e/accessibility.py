"""Run axe-core in a page and fail with a readable list of violations."""

from pathlib import Path

from playwright.sync_api import Page

RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
    }));
}"""


def assert_accessible(page: Page, axe_script: Path) -> None:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(RUN_AXE)
    report = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
        for v in violations
    )
    assert not violations, f"axe found violations on {page.url}:\n{report}"
