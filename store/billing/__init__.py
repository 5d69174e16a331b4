"""Batch billing (DESIGN.md sections 2-3): plan a period, keep a draft's
selection, save it atomically, void a batch or one invoice.

One public API over modules split by responsibility (callers keep writing
``from store import billing`` / ``from store.billing import X``):

- ``refs``: the refs of plan nodes (``ticket:123``, ``contract:7@2026-10``) and ledger kinds;
- ``planning``: what is billable for a period, as a tree (``plan``);
- ``lines``: a period's invoice lines for a selection, exact in every currency;
- ``selection``: toggles, node states, totals and invoice previews (pure);
- ``ledger``: the month-keyed billed ledger's rows for a selection, and conflicts;
- ``drafts``: drafts kept for review, changed by guarded transitions;
- ``save``: one transaction that bills what is true at commit;
- ``void``: a saved batch or one invoice voided, items released;
- ``plan_json``: ``batch plan --json``.

The modules depend on each other in that order only (no cycles); the database
guards they rely on are in store/guards.py, the failure messages in store/txn.py.
"""
from __future__ import annotations

from store.billing.drafts import (
    Draft,
    _audit,
    create_batch,
    delete_draft,
    free_batch_name,
    get_batch,
    get_draft,
    idle_customers,
    plan_for_batch,
    summarize,
    update_draft,
)
from store.billing.ledger import LedgerKey, ledger_keys
from store.billing.lines import LineDraft, period_lines
from store.billing.plan_json import plan_to_json
from store.billing.planning import plan
from store.billing.refs import ONCE, RECURRING_KINDS, check_refs, parse_ref
from store.billing.save import SaveResult, save_batch
from store.billing.selection import (
    InvoicePreview,
    RunningTotals,
    clear_all,
    invoice_previews,
    is_selected,
    node_state,
    running_totals,
    running_totals_after,
    select_all,
    selected_refs,
    selection_totals,
    toggle,
)
from store.billing.void import VoidedInvoice, void_batch, void_invoice

__all__ = [
    "ONCE", "RECURRING_KINDS", "Draft", "InvoicePreview", "LedgerKey", "LineDraft", "SaveResult",
    "VoidedInvoice", "check_refs", "clear_all", "create_batch", "delete_draft", "free_batch_name",
    "get_batch", "get_draft", "idle_customers", "invoice_previews", "is_selected", "ledger_keys", "node_state",
    "parse_ref", "period_lines", "plan", "plan_for_batch", "plan_to_json", "RunningTotals", "running_totals",
    "running_totals_after", "save_batch",
    "select_all", "selected_refs", "selection_totals", "summarize", "toggle", "update_draft",
    "void_batch", "void_invoice", "_audit",
]
