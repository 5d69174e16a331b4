"""The JSON of ``batch plan --json``: decimal strings, refs for --exclude.
"""
from __future__ import annotations

from store.domain import Plan, PlanItem
from store.money import format_minor, quantity_str
from store.billing.selection import is_selected, selection_totals


def _money(minor: int, currency: str) -> str:
    return format_minor(minor, currency)


def plan_to_json(p: Plan, excluded: frozenset[str] = frozenset()) -> dict:
    """The JSON of ``batch plan --json``: decimal strings, refs for --exclude."""
    def item(it: PlanItem, selected: bool) -> dict:
        out = {"ref": it.ref, "kind": it.kind, "description": it.description,
               "quantity": quantity_str(it.quantity), "unit_price": _money(it.unit_price, it.currency),
               "amount": _money(it.amount, it.currency), "currency": it.currency,
               "locked": it.locked, "selected": selected}
        if it.locked:
            out["lock_reason"] = it.lock_reason
        if it.children:
            out["time_entries"] = [
                {"ref": ch.ref, "description": ch.description, "quantity": quantity_str(ch.quantity),
                 "unit_price": _money(ch.unit_price, ch.currency),
                 "amount": _money(ch.amount, ch.currency),
                 "selected": is_selected(p, excluded, ch.ref)} for ch in it.children]
        return out

    customers = []
    for cu in p.customers:
        contracts = []
        for co in cu.contracts:
            periods = []
            for pe in co.periods:
                sel = selection_totals(p, excluded, pe.ref).get(co.currency, 0)
                periods.append({
                    "ref": pe.ref, "period": pe.period, "locked": pe.locked,
                    "lock_reason": pe.lock_reason, "total": _money(sel, co.currency),
                    "items": [item(it, is_selected(p, excluded, it.ref)) for it in pe.items]})
            contracts.append({"ref": co.ref, "name": co.name, "type": co.type,
                              "billing_period": co.billing_period, "currency": co.currency,
                              "totals": {k: _money(v, k) for k, v in
                                         selection_totals(p, excluded, co.ref).items()},
                              "periods": periods})
        customers.append({"ref": cu.ref, "name": cu.name, "final_bill": cu.final_bill,
                          "totals": {k: _money(v, k) for k, v in
                                     selection_totals(p, excluded, cu.ref).items()},
                          "contracts": contracts})
    return {"period": p.period, "detail": p.detail,
            "as_of": p.as_of.isoformat() if p.as_of else None, "left_out": list(p.left_out),
            "totals": {k: _money(v, k) for k, v in selection_totals(p, excluded).items()},
            "customers": customers}
