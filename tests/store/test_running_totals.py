"""The editor's running totals (store.billing.running_totals_after): after any
sequence of toggles, select-all and clear-all on a small demo book's plan, at
every detail level, they equal a full recompute (selection_totals)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import billing

TODAY = dt.date(2026, 11, 15)
DETAILS = ("contract", "ticket", "time_entry")


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """Plans of 2026-10 on a small demo book (every contract type; earlier months
    billed), one per detail level: pure objects, the database closed after."""
    from store.book import open_database
    from store.db import close_database
    from store.demo import make_demo

    close_database()
    open_database(str(tmp_path_factory.mktemp("running") / "book.sqlite3"))
    try:
        make_demo(customers=6, months=4, seed=5, today=TODAY)
        built = {d: billing.plan("2026-10", detail=d, today=TODAY) for d in DETAILS}
    finally:
        close_database()
    return built


def _refs(p) -> list[str]:
    out = []
    for cu in p.customers:
        out.append(cu.ref)
        for co in cu.contracts:
            out.append(co.ref)
            for pe in co.periods:
                out.append(pe.ref)
                for it in pe.items:
                    out.append(it.ref)
                    out.extend(ch.ref for ch in it.children)
    return out


def test_the_book_has_what_the_property_needs(plans):
    """Several currencies, locked nodes and block-hours periods, so the property meets them."""
    p = plans["time_entry"]
    assert len({co.currency for cu in p.customers for co in cu.contracts}) > 1
    assert any(billing.node_state(p, frozenset(), r) == "locked" for r in _refs(p))
    assert any(pe.block_hours is not None for cu in p.customers for co in cu.contracts for pe in co.periods)
    assert any(it.children for cu in p.customers for co in cu.contracts for pe in co.periods
               for it in pe.items)


step_st = st.one_of(
    st.tuples(st.just("toggle"), st.integers(0, 10_000)),
    st.tuples(st.sampled_from(["all", "none"]), st.just(0)),
)


@settings(max_examples=60, deadline=None)
@given(detail=st.sampled_from(DETAILS), steps=st.lists(step_st, min_size=1, max_size=25))
def test_running_totals_equal_a_full_recompute_after_any_toggles(plans, detail, steps):
    p = plans[detail]
    refs = _refs(p)
    excluded = frozenset()
    running = billing.running_totals(p, excluded)
    assert running.as_dict() == billing.selection_totals(p, excluded)
    for kind, pick in steps:
        if kind == "toggle":
            excluded = billing.toggle(p, excluded, refs[pick % len(refs)])
        elif kind == "all":
            excluded = billing.select_all(p)
        else:
            excluded = billing.clear_all(p)
        running = billing.running_totals_after(running, excluded)
        assert running.as_dict() == billing.selection_totals(p, excluded)
        assert running.excluded == excluded


def test_a_toggle_recomputes_only_the_periods_under_the_node(plans, monkeypatch):
    """The point of it: space on one customer computes that customer's periods, not the plan's."""
    from store.billing import selection

    p = plans["ticket"]
    running = billing.running_totals(p, frozenset())
    customer = next(cu for cu in p.customers if billing.node_state(p, frozenset(), cu.ref) != "locked")
    seen = []
    real = selection._period_amount

    def counting(idx, plan, cu, co, pe, excluded, touched):
        seen.append(cu.ref)
        return real(idx, plan, cu, co, pe, excluded, touched)

    monkeypatch.setattr(selection, "_period_amount", counting)
    after = billing.running_totals_after(running, billing.toggle(p, frozenset(), customer.ref))
    assert seen and set(seen) == {customer.ref}
    assert after.as_dict() == billing.selection_totals(p, frozenset({customer.ref}))
