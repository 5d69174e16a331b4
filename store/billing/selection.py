"""Selection (pure): what the user removed is a set of refs; an item is
selected when neither it nor an ancestor is excluded and its period is not
locked. Toggling, node states, totals and the invoice previews the editor, the
save confirmation and the save itself share, so what the user saw is billed.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from store.domain import Plan, PlanContract, PlanCustomer, PlanItem, PlanPeriod
from store.errors import NotFoundError
from store.money import tax_amount
from store.billing.lines import LineDraft, _ticket_amounts, period_lines


@dataclass
class _Index:
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    node: dict[str, object]
    period_of_item: "_ItemPeriods"  # item ref -> its period ref (a view of parent)
    periods: list[tuple[PlanCustomer, PlanContract, PlanPeriod]]
    full_subtotal: dict[str, int]
    # period ref -> its lines with nothing excluded: made by the first
    # invoice_previews, not with the index (the editor shows totals, and a
    # whole-book plan's lines are about as many objects as its items)
    full_lines: dict[str, list] | None
    # customer, contract and period ref -> positions in ``periods`` under it
    periods_under: dict[str, list[int]] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)  # nodes above at least one unlocked item
    # tickets and block fees of a block_hours period -> the period: they are billed as one
    block_unit: dict[str, str] = field(default_factory=dict)
    # time entries (a ticket's children, at time-entry detail) -> their period
    period_of_entry: dict[str, str] = field(default_factory=dict)


class _ItemPeriods:
    """Item ref -> its period's ref, read from the index's parent and node maps
    (``in``, ``[]`` and ``get``): a dict of its own was one more entry per item
    of a whole-book plan (about 0.6 MB on 2,000 customers)."""

    __slots__ = ("_parent", "_node", "_entries")

    def __init__(self, parent: dict, node: dict, entries: dict) -> None:
        self._parent, self._node, self._entries = parent, node, entries

    def __contains__(self, ref) -> bool:
        return type(self._node.get(ref)) is PlanItem and ref not in self._entries

    def __getitem__(self, ref: str) -> str:
        if ref not in self:
            raise KeyError(ref)
        return self._parent[ref]

    def get(self, ref: str, default=None):
        return self._parent[ref] if ref in self else default


_INDEX_CACHE: dict[int, tuple[Plan, _Index]] = {}


def _index(p: Plan, lines: bool = False) -> _Index:
    """The plan's index (kept for the last few plans); with ``lines``, also
    every unlocked period's lines with nothing excluded."""
    hit = _INDEX_CACHE.get(id(p))
    if hit is not None and hit[0] is p:
        idx = hit[1]
        if lines and idx.full_lines is None:
            idx.full_lines = {pe.ref: period_lines(co, pe, frozenset(), p.detail)
                              for _, co, pe in idx.periods if not pe.locked}
        return idx
    parent: dict[str, str | None] = {}
    children: dict[str, list[str]] = defaultdict(list)
    node: dict[str, object] = {}
    period_of_entry: dict[str, str] = {}
    periods = []
    full = {}
    full_lines = {} if lines else None
    under: dict[str, list[int]] = {}
    live: set[str] = set()
    for cu in p.customers:
        parent[cu.ref] = None
        node[cu.ref] = cu
        for co in cu.contracts:
            parent[co.ref] = cu.ref
            children[cu.ref].append(co.ref)
            node[co.ref] = co
            for pe in co.periods:
                parent[pe.ref] = co.ref
                children[co.ref].append(pe.ref)
                node[pe.ref] = pe
                position = len(periods)
                for ref in (cu.ref, co.ref, pe.ref):
                    under.setdefault(ref, []).append(position)
                if not pe.locked and pe.items:
                    live.update((cu.ref, co.ref, pe.ref))
                periods.append((cu, co, pe))
                for it in pe.items:
                    parent[it.ref] = pe.ref
                    children[pe.ref].append(it.ref)
                    node[it.ref] = it
                    for ch in it.children:
                        node[ch.ref] = ch
                        parent[ch.ref] = it.ref
                        children[it.ref].append(ch.ref)
                        period_of_entry[ch.ref] = pe.ref
                if not pe.locked:
                    period_lines_ = period_lines(co, pe, frozenset(), p.detail)
                    if full_lines is not None:
                        full_lines[pe.ref] = period_lines_
                    full[pe.ref] = sum(l.amount for l in period_lines_)
    block_unit = {it.ref: pe.ref for _, _, pe in periods if pe.block_hours is not None
                  for it in pe.items if it.kind in ("ticket", "block")}
    period_of_item = _ItemPeriods(parent, node, period_of_entry)
    idx = _Index(parent, children, node, period_of_item, periods, full, full_lines, under, live,
                 block_unit, period_of_entry)
    if len(_INDEX_CACHE) > 8:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[id(p)] = (p, idx)
    return idx


def _ancestors(idx: _Index, ref: str) -> list[str]:
    out = []
    up = idx.parent.get(ref)
    while up is not None:
        out.append(up)
        up = idx.parent.get(up)
    return out


_CANON: list = [None, None, frozenset()]  # (index, exclusion set, canonical set)


def _canonical(idx: _Index, excluded) -> frozenset[str]:
    """The exclusion set with a block_hours period's tickets and block fee
    replaced by the period itself: the block fee, its tickets and the
    overage they make are billed as one, or the overage would be computed on
    part of the hours and the rest billed later without it. Only the overage
    itself can be removed alone (waived). The last answer is kept, since the
    editor asks for every visible node with the same set."""
    if _CANON[0] is idx and _CANON[1] is excluded:
        return _CANON[2]
    moved = [r for r in excluded if r in idx.block_unit]
    result = frozenset(excluded)
    if moved:
        result = frozenset((set(excluded) - set(moved)) | {idx.block_unit[r] for r in moved})
    _CANON[:] = [idx, excluded, result]
    return result


def is_selected(p: Plan, excluded: frozenset[str], item_ref: str) -> bool:
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    item = idx.node[item_ref]
    if item_ref in idx.period_of_entry:  # a time entry: selected with its ticket
        if item_ref in excluded:
            return False
        item_ref = idx.parent[item_ref]
        item = idx.node[item_ref]
    if getattr(item, "locked", False):
        return False
    if item_ref in excluded:
        return False
    return not any(a in excluded for a in _ancestors(idx, item_ref))


def _leaf_refs(idx: _Index, ref: str) -> list[str]:
    node = idx.node[ref]
    if isinstance(node, PlanItem):
        if ref in idx.period_of_item and node.children:
            return [ch.ref for ch in node.children]  # time entries, each selectable
        return [ref] if ref in idx.period_of_item or ref in idx.period_of_entry else []
    out = []
    for ch in idx.children.get(ref, []):
        out.extend(_leaf_refs(idx, ch))
    return out


def node_state(p: Plan, excluded: frozenset[str], ref: str) -> str:
    """'all', 'some', 'none' or 'locked' for any node of the plan."""
    idx = _index(p)
    if ref not in idx.node:
        raise NotFoundError(f"{ref} is not in this plan")
    excluded = _canonical(idx, excluded)
    node = idx.node[ref]
    if isinstance(node, PlanItem):
        if node.locked or (ref in idx.period_of_entry and idx.node[idx.parent[ref]].locked):
            return "locked"
    elif ref not in idx.live:
        return "locked"
    if ref in excluded or any(a in excluded for a in _ancestors(idx, ref)):
        return "none"
    if ref not in _excluded_below(idx, excluded):
        return "all"  # nothing under it is excluded: every unlocked item is selected
    leaves = _leaf_refs(idx, ref)
    live = [r for r in leaves if not idx.node[r].locked
            and not (r in idx.period_of_entry and idx.node[idx.parent[r]].locked)]
    chosen = sum(1 for r in live if is_selected(p, excluded, r))
    if chosen == len(live):
        return "all"
    return "some" if chosen else "none"


_BELOW: list = [None, None, frozenset()]  # (index, exclusion set, nodes above an exclusion)


def _excluded_below(idx: _Index, excluded: frozenset[str]) -> frozenset[str]:
    """Every node with an excluded node somewhere under it. The editor asks for
    each visible node with the same exclusion set, so the last answer is kept."""
    if _BELOW[0] is idx and _BELOW[1] is excluded:
        return _BELOW[2]
    above: set[str] = set()
    for ref in excluded:
        above.update(_ancestors(idx, ref))
    result = frozenset(above)
    _BELOW[:] = [idx, excluded, result]
    return result


def _descendants(idx: _Index, ref: str) -> list[str]:
    out = []
    for ch in idx.children.get(ref, []):
        out.append(ch)
        out.extend(_descendants(idx, ch))
    return out


def toggle(p: Plan, excluded: frozenset[str], ref: str) -> frozenset[str]:
    """Space on a node: deselect it (and its subtree) if anything in it is
    selected, else select all of it. Returns the new exclusion set."""
    idx = _index(p)
    ref = idx.block_unit.get(ref, ref)  # a block period's tickets go in and out together
    excluded = _canonical(idx, excluded)
    state = node_state(p, excluded, ref)
    if state == "locked":
        return excluded
    new = set(excluded) - set(_descendants(idx, ref))
    if state in ("all", "some"):
        new.add(ref)
        return frozenset(new)
    new.discard(ref)
    path = [ref] + _ancestors(idx, ref)
    # Re-include the path: the highest excluded ancestor is replaced by the
    # siblings of every node on the way down, so only this node comes back.
    top = max((i for i, r in enumerate(path) if r in new), default=0)
    for i in range(top, 0, -1):
        ancestor, child = path[i], path[i - 1]
        new.discard(ancestor)
        new.update(c for c in idx.children[ancestor] if c != child)
    return frozenset(new)


def select_all(p: Plan) -> frozenset[str]:
    return frozenset()


def clear_all(p: Plan) -> frozenset[str]:
    return frozenset(c.ref for c in p.customers)


def _touched_periods(idx: _Index, excluded: frozenset[str]) -> set[str]:
    return ({idx.period_of_item[r] for r in excluded if r in idx.period_of_item}
            | {idx.period_of_entry[r] for r in excluded if r in idx.period_of_entry})


def _period_excluded(pe_ref: str, co: PlanContract, cu: PlanCustomer, excluded) -> bool:
    return pe_ref in excluded or co.ref in excluded or cu.ref in excluded


def selection_totals(p: Plan, excluded: frozenset[str], ref: str | None = None) -> dict[str, int]:
    """Selected amount (before tax) per currency, for the whole plan or one node."""
    idx = _index(p)
    excluded = _canonical(idx, excluded)
    if ref is not None and ref in idx.period_of_entry:
        item = idx.node[ref]
        return {item.currency: item.amount} if is_selected(p, excluded, ref) else {}
    if ref is not None and ref in idx.period_of_item:
        item = idx.node[ref]
        if not is_selected(p, excluded, ref):
            return {}
        if item.kind == "ticket":
            return {item.currency: _ticket_amounts(item, excluded).get("amount", item.amount)}
        return {item.currency: item.amount}
    touched = _touched_periods(idx, excluded)
    rows = idx.periods
    if ref is not None:
        rows = [idx.periods[i] for i in idx.periods_under.get(ref, ())]
    totals: dict[str, int] = defaultdict(int)
    for cu, co, pe in rows:
        amount = _period_amount(idx, p, cu, co, pe, excluded, pe.ref in touched)
        if amount is not None:
            totals[co.currency] += amount
    return dict(totals)


def _period_amount(idx: _Index, p: Plan, cu: PlanCustomer, co: PlanContract, pe: PlanPeriod,
                   excluded: frozenset[str], touched: bool) -> int | None:
    """What one period adds to the selection's totals (``excluded`` canonical;
    ``touched``: something under the period is excluded); None when it adds
    nothing (locked, or the period or an ancestor excluded), which is not the
    same as 0: a selected period of 0 still puts its currency in the totals."""
    if pe.locked or _period_excluded(pe.ref, co, cu, excluded):
        return None
    if touched:
        return sum(l.amount for l in period_lines(co, pe, excluded, p.detail))
    return idx.full_subtotal[pe.ref]


def _touches(pe: PlanPeriod, excluded: frozenset[str]) -> bool:
    """Whether an item or time entry of the period is excluded (``_touched_periods`` for one period)."""
    return any(it.ref in excluded or any(ch.ref in excluded for ch in it.children) for it in pe.items)


@dataclass(frozen=True)
class RunningTotals:
    """The selection's totals, kept so that a change of the selection costs the
    periods it changes, not the whole plan (the editor's space on a whole-book
    draft). ``amounts``/``periods``: per currency, the selected amount and how
    many selected periods make it (a currency none makes is not in the totals,
    as in :func:`selection_totals`)."""

    plan: Plan
    excluded: frozenset[str]
    amounts: dict[str, int]
    periods: dict[str, int]

    def as_dict(self) -> dict[str, int]:
        """What :func:`selection_totals` returns for the same plan and selection."""
        return {c: a for c, a in self.amounts.items() if self.periods.get(c)}


def running_totals(p: Plan, excluded: frozenset[str]) -> RunningTotals:
    """The totals of the whole plan for this selection, from scratch."""
    idx = _index(p)
    canon = _canonical(idx, excluded)
    touched = _touched_periods(idx, canon)
    amounts: dict[str, int] = defaultdict(int)
    periods: dict[str, int] = defaultdict(int)
    for cu, co, pe in idx.periods:
        amount = _period_amount(idx, p, cu, co, pe, canon, pe.ref in touched)
        if amount is not None:
            amounts[co.currency] += amount
            periods[co.currency] += 1
    return RunningTotals(p, frozenset(excluded), dict(amounts), dict(periods))


def running_totals_after(before: RunningTotals, excluded: frozenset[str]) -> RunningTotals:
    """The totals for a new selection of the same plan: only the periods under a
    ref that went in or out of the (canonical) exclusion set are computed again,
    before and after, and their difference applied. Equal to
    :func:`running_totals` (tests/store/test_running_totals.py)."""
    p = before.plan
    idx = _index(p)
    old = _canonical(idx, before.excluded)
    new = _canonical(idx, excluded)
    positions: set[int] = set()
    for ref in old ^ new:
        period = idx.period_of_item.get(ref) or idx.period_of_entry.get(ref) or ref
        positions.update(idx.periods_under.get(period, ()))  # customer, contract or period
    if len(positions) * 2 > len(idx.periods):  # most of the plan (a, A): as cheap from scratch
        return running_totals(p, excluded)
    amounts, periods = dict(before.amounts), dict(before.periods)
    for i in positions:
        cu, co, pe = idx.periods[i]
        was = _period_amount(idx, p, cu, co, pe, old, _touches(pe, old))
        now = _period_amount(idx, p, cu, co, pe, new, _touches(pe, new))
        currency = co.currency
        amounts[currency] = amounts.get(currency, 0) + (now or 0) - (was or 0)
        periods[currency] = periods.get(currency, 0) + (now is not None) - (was is not None)
    return RunningTotals(p, frozenset(excluded), amounts, periods)


@dataclass(frozen=True)
class InvoicePreview:
    customer_id: int
    customer: str
    currency: str
    tax_rate: Decimal
    lines: tuple[LineDraft, ...]
    subtotal: int
    tax: int
    total: int

    @property
    def line_count(self) -> int:
        return len(self.lines)


def invoice_previews(p: Plan, excluded: frozenset[str]) -> list[InvoicePreview]:
    """One invoice per customer and currency, lines grouped by contract and period."""
    idx = _index(p, lines=True)
    excluded = _canonical(idx, excluded)
    grouped: dict[tuple[int, str], list[LineDraft]] = defaultdict(list)
    customers = {}
    touched = _touched_periods(idx, excluded)
    for cu, co, pe in idx.periods:
        if pe.locked or _period_excluded(pe.ref, co, cu, excluded):
            continue
        if pe.ref in touched:
            lines = period_lines(co, pe, excluded, p.detail)
        else:
            lines = idx.full_lines[pe.ref]
        if lines:
            grouped[(cu.id, co.currency)].extend(lines)
            customers[cu.id] = cu
    previews = []
    for (cid, currency), lines in grouped.items():
        cu = customers[cid]
        subtotal = sum(l.amount for l in lines)
        tax = tax_amount(sum(l.amount for l in lines if l.taxable), cu.tax_rate)
        previews.append(InvoicePreview(cid, cu.name, currency, cu.tax_rate, tuple(lines),
                                       subtotal, tax, subtotal + tax))
    previews.sort(key=lambda v: (v.customer.lower(), v.currency))
    return previews


def selected_refs(p: Plan, excluded: Iterable[str]) -> list[str]:
    """Refs of the items the selection bills (locked ones never are)."""
    excluded = frozenset(excluded)
    return [it.ref for _, _, pe in _index(p).periods for it in pe.items
            if is_selected(p, excluded, it.ref)]
