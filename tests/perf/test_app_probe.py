"""The keystroke probe's choice of node: the first customer that space can toggle."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.perf.app_probe import first_selectable


def _tree(states):
    nodes = [SimpleNamespace(data=SimpleNamespace(ref=f"customer:{i}")) for i in range(len(states))]
    by_ref = {n.data.ref: s for n, s in zip(nodes, states)}
    return SimpleNamespace(root=SimpleNamespace(children=nodes), state_of=lambda data: by_ref[data.ref]), nodes


def test_a_locked_first_customer_is_passed_over():
    tree, nodes = _tree(["locked", "locked", "none", "all"])
    assert first_selectable(tree) is nodes[2]


def test_the_first_customer_when_it_is_selectable():
    tree, nodes = _tree(["some", "locked"])
    assert first_selectable(tree) is nodes[0]


def test_nothing_to_toggle_stops_the_probe():
    tree, _ = _tree(["locked", "locked"])
    with pytest.raises(RuntimeError, match="nothing to time"):
        first_selectable(tree)
