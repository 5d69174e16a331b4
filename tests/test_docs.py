"""The documentation says what the code does: the README's two commands are
the ones CI runs, and the import-column tables in docs/importing.md are the
importer's column specs, kind by kind."""
from __future__ import annotations

import importlib
import pkgutil
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
IMPORTING = ROOT / "docs" / "importing.md"


def _sh_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)]


def _readme_commands() -> tuple[str, str]:
    """The two commands of the README's "Try it" section: install + demo + app, and the tests."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Try it", 1)[1].split("\n## ", 1)[0]
    blocks = _sh_blocks(section)
    assert len(blocks) == 2, f"README.md 'Try it' should hold exactly two sh commands, found {blocks}"
    return blocks[0], blocks[1]


def _ci_commands() -> list[str]:
    lines = []
    for line in CI.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def test_readme_test_command_is_exactly_what_ci_runs():
    _, tests = _readme_commands()
    assert tests in _ci_commands(), f".ci/run does not run the README's test command {tests!r}"
    assert "pytest" in tests and "'.[test]'" in tests


def test_readme_try_command_installs_like_ci_then_runs_the_demo_and_the_app():
    install_and_run, tests = _readme_commands()
    steps = [shlex.split(step) for step in install_and_run.split("&&")]
    test_steps = [shlex.split(step) for step in tests.split("&&")]
    assert steps[0] == test_steps[0], "both commands make the venv the same way"
    assert steps[1] == [".venv/bin/pip", "install", "-e", "."]
    assert steps[2:] == [[".venv/bin/batchbill", "demo"], [".venv/bin/batchbill"]]
    from batchbill.cli import build_parser

    assert build_parser().parse_args(["demo"]).command == "demo"


def test_readme_is_a_front_door_and_links_every_docs_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 160
    linked = set(re.findall(r"\]\((docs/[a-z-]+\.md)(?:#[a-z0-9-]+)?\)", text))
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"docs pages the README does not link: {sorted(pages - linked)}"


def _heading_anchor(title: str) -> str:
    anchor = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return anchor.replace(" ", "-")


@pytest.mark.parametrize("page", sorted(p.name for p in [README, *(ROOT / "docs").glob("*.md")]))
def test_relative_links_reach_a_file_and_heading(page):
    path = README if page == "README.md" else ROOT / "docs" / page
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{page}: link {target!r} reaches no file"
        if anchor and linked.suffix == ".md":
            anchors = {_heading_anchor(h) for h in re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)}
            assert anchor in anchors, f"{page}: link {target!r} reaches no heading (have {sorted(anchors)})"


# ------------------------------------------------------------------ import columns


def _importer_module():
    """The module that defines the import column specs, found through the store's
    public import API (``store.importing``, or the older ``store.importer``)."""
    for name in ("store.importing", "store.importer"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "SPECS") and hasattr(module, "type_label"):
            return module
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=name + "."):
            sub = importlib.import_module(info.name)
            if hasattr(sub, "SPECS") and hasattr(sub, "type_label"):
                return sub
    pytest.fail("no importer module defines SPECS and type_label")


def _documented_tables() -> dict[str, str]:
    text = IMPORTING.read_text(encoding="utf-8")
    columns = text.split("\n## Columns\n", 1)[1].split("\n## ", 1)[0]
    tables = {}
    for kind, body in re.findall(r"^### (\S+)\n(.*?)(?=^### |\Z)", columns, flags=re.M | re.S):
        tables[kind] = "\n".join(line for line in body.splitlines() if line.startswith("|"))
    return tables


def test_docs_import_column_tables_are_the_importers_specs():
    importer = _importer_module()
    documented = _documented_tables()
    assert list(documented) == list(importer.SPECS), "docs/importing.md lists other kinds than the importer"
    for kind, spec in importer.SPECS.items():
        expected = ["| column | required | type | meaning |", "|---|---|---|---|"]
        expected += [
            f"| `{c.name}` | {'yes' if c.required else 'no'} | {importer.type_label(c)} | {c.meaning} |"
            for c in spec
        ]
        assert documented[kind] == "\n".join(expected), (
            f"docs/importing.md (Columns, {kind}) is out of step with the importer's spec"
        )
