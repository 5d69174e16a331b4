"""The README's sample dashboard is the app's, as it is now (issue 12: it showed
an older layout). Regenerate it with ``python -m tests.tui.readme_dashboard``."""
from __future__ import annotations

from pathlib import Path

from tests.tui import readme_dashboard

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_dashboard_is_the_apps(tmp_path):
    shown = readme_dashboard.readme_block(README)
    made = readme_dashboard.dashboard(tmp_path / "home")
    assert len(shown.splitlines()) == readme_dashboard.SIZE[1]
    assert shown == made, ("README.md's dashboard differs from the app's: replace its ```text block "
                           "with the output of `python -m tests.tui.readme_dashboard`")
