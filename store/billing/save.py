"""Saving a draft: one transaction writes invoices with gapless numbers, lines,
ledger rows, billed tickets, the search index, the benchmark's facts and an
audit event, after a guarded draft -> saved move and a re-check of every
reviewed item against the data at commit.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import peewee
from peewee import IntegrityError

from store import settings
from store.audit import current_actor
from store.benchmark.facts import refresh_batch as refresh_facts
from store.db import db, is_postgres
from store.domain import Plan
from store.errors import AlreadyBilledError, StaleReviewError, ValidationError
from store.guards import guard_message
from store.models import Batch, Invoice, Setting, Ticket
from store.money import format_minor, hours_from_minutes, quantity_str
from store.periods import months_of, parse_period
from store.pgcopy import copy_rows
from store.rows import as_date as _date
from store.search import search_record, write_index
from store.stats import refresh_statistics
from store.txn import write_transaction
from store.billing.drafts import _audit, get_draft
from store.billing.ledger import LedgerKey, _conflict, _describe_source, ledger_keys
from store.billing.planning import plan
from store.billing.refs import ONCE, RECURRING_KINDS, _decode_refs, parse_ref
from store.billing.selection import _index, invoice_previews


@dataclass(frozen=True)
class SaveResult:
    batch_id: int
    batch_name: str
    invoice_numbers: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def _bulk_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    database = db.obj
    cols = ", ".join(f'"{c}"' for c in columns)
    # the wrapper turns the driver's IntegrityError into Peewee's, which save_batch catches
    with peewee.__exception_wrapper__:
        if is_postgres(database):
            copy_rows(database.cursor(), table, columns, rows)  # COPY: store/pgcopy.py
        else:
            marks = ", ".join("?" * len(columns))
            database.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)


def _bill_tickets(ticket_ids: list[int]) -> None:
    """Closed -> billed for the batch's tickets; AlreadyBilledError names one that
    is no longer closed (reopened meanwhile). On PostgreSQL one statement with the
    ids as an array (``= ANY(%s)``: one parameter, not thousands in an IN list)."""
    if not ticket_ids:
        return
    database = db.obj
    if is_postgres(database):
        with peewee.__exception_wrapper__:
            cursor = database.cursor()
            cursor.execute("UPDATE ticket SET status = 'billed' WHERE id = ANY(%s) AND status = 'closed'",
                           (ticket_ids,))
        if cursor.rowcount != len(set(ticket_ids)):
            _ticket_not_closed(ticket_ids)
        return
    for start in range(0, len(ticket_ids), 5000):
        chunk = ticket_ids[start:start + 5000]
        changed = Ticket.update(status="billed").where(
            Ticket.id.in_(chunk) & (Ticket.status == "closed")).execute()
        if changed != len(set(chunk)):
            _ticket_not_closed(chunk)


def _reserve_ids(table: str, count: int) -> list[int]:
    """Ids for rows we insert in bulk (inside the write transaction)."""
    database = db.obj
    if count == 0:
        return []
    if is_postgres(database):
        cur = database.execute_sql(
            f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) "
            "FROM generate_series(1, %s)", (count,))
        return [r[0] for r in cur.fetchall()]
    top = database.execute_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()[0]
    return list(range(top + 1, top + 1 + count))


def _lock_counter() -> int:
    """The next invoice number, with the row locked for this transaction."""
    key = "next_invoice_number"
    if Setting.get_or_none(Setting.key == key) is None:
        try:
            with db.atomic():
                Setting.create(key=key, value=str(settings.get(key)))
        except IntegrityError:
            pass
    query = Setting.select().where(Setting.key == key)
    if is_postgres():
        query = query.for_update()
    return int(query.get().value)


def save_batch(
    batch: int | str,
    actor: str | None = None,
    issue_date: dt.date | None = None,
    today: dt.date | None = None,
    reviewed: Plan | None = None,
) -> SaveResult:
    """Bill the draft in one transaction: invoices with gapless numbers, lines,
    ledger rows, tickets -> billed, search index, audit event.

    ``reviewed`` is the plan the user looked at (the editor passes it); by
    default the plan is made now. If any of its items was billed meanwhile,
    nothing is written and AlreadyBilledError names the item and the batch; if a
    reviewed item changed since (time added to a ticket...), StaleReviewError
    names it: the save bills what is true at commit, never a stale review.
    """
    actor = actor or current_actor()
    draft = get_draft(batch)
    if draft.summary.status != "draft":
        raise ValidationError(
            f"batch {draft.summary.name!r} is {draft.summary.status}: only a draft can be saved")
    excluded = draft.excluded
    p = reviewed or plan(draft.period, draft.customers, draft.detail, excluded, today=today)
    if reviewed is None:
        _check_still_billable(draft.summary.id, p)
    previews = invoice_previews(p, excluded)
    keys = ledger_keys(p, excluded)
    if not previews:
        raise ValidationError(
            f"batch {draft.summary.name!r} has nothing selected to bill for {draft.period}")
    issue = issue_date or today or dt.date.today()
    terms = settings.get("payment_terms_days")
    prefix = settings.get("invoice_prefix")
    digits = settings.get("invoice_number_digits")
    due = issue + dt.timedelta(days=terms)
    ticket_ids = [k.source_id for k in keys if k.kind == "ticket"]
    batch_id = draft.summary.id
    final_bills = sorted(cu.name for cu in p.customers if cu.final_bill
                         and any(pv.customer_id == cu.id for pv in previews))
    try:
        with write_transaction(f"saving batch {draft.summary.name!r}"):
            # The guarded transition first: it locks the batch's row (PostgreSQL) so a
            # second save of the same draft waits here, then finds it saved.
            now = dt.datetime.now().replace(microsecond=0)
            moved = Batch.update(status="saved", saved_at=now, saved_by=actor).where(
                (Batch.id == batch_id) & (Batch.status == "draft")).execute()
            if moved != 1:
                row = Batch.get_or_none(Batch.id == batch_id)
                state = row.status if row else "deleted"
                raise ValidationError(
                    f"batch {draft.summary.name!r} was {state} meanwhile (by another session); "
                    "nothing was saved")
            row = Batch.get_by_id(batch_id)
            next_number = _lock_counter()
            last = (Invoice.select(Invoice.number, Invoice.issue_date)
                    .order_by(Invoice.sequence.desc()).limit(1).tuples().first())
            if last is not None and issue < _date(last[1]):
                # Numbers are gapless and in order; their dates must be too
                # (German and French rules, and any auditor's expectation).
                raise ValidationError(
                    f"issue date {issue.isoformat()} is before that of the last invoice "
                    f"{last[0]} ({_date(last[1]).isoformat()}): invoice numbers must follow "
                    "their dates; give a later --issue-date")
            # No look-up of the ledger first: its unique index refuses any item
            # billed meanwhile (IntegrityError below rolls everything back and
            # names the item), and tickets are checked as they are updated.
            inv_ids = _reserve_ids("invoice", len(previews))
            numbers = []
            inv_rows, line_rows, index_records = [], [], []
            invoice_of_customer: dict[tuple[int, str], int] = {}
            for n, (pv, inv_id) in enumerate(zip(previews, inv_ids)):
                seq = next_number + n
                number = f"{prefix}{seq:0{digits}d}"
                numbers.append(number)
                invoice_of_customer[(pv.customer_id, pv.currency)] = inv_id
                inv_rows.append((inv_id, number, seq, batch_id, pv.customer_id, pv.currency, issue,
                                 due, pv.subtotal, pv.tax, pv.total, str(pv.tax_rate), "issued", 0))
                for pos, ln in enumerate(pv.lines, start=1):
                    line_rows.append((inv_id, pos, ln.kind, ln.contract_id, ln.period, ln.description,
                                      str(ln.quantity), ln.unit_price, ln.amount, ln.taxable,
                                      ln.source_kind, ln.source_id, ln.minutes_worked))
                index_records.append(search_record(
                    inv_id, number, pv.customer, row.name, pv.currency, pv.subtotal, pv.total,
                    [(ln.description, ln.amount) for ln in pv.lines]))
            _bulk_insert("invoice", ["id", "number", "sequence", "batch_id", "customer_id",
                                     "currency", "issue_date", "due_date", "subtotal", "tax",
                                     "total", "tax_rate", "status", "export_count"], inv_rows)
            _bulk_insert("invoice_line", ["invoice_id", "position", "kind", "contract_id", "period",
                                          "description", "quantity", "unit_price", "amount",
                                          "taxable", "source_kind", "source_id", "minutes_worked"],
                         line_rows)
            # the benchmark's facts and sums of these lines (store/facts.py)
            facts_written = refresh_facts(batch_id, written=(
                {r[0]: (r[4], r[5], r[6]) for r in inv_rows},
                ((r[0], r[2], r[3], r[4], r[8], r[12]) for r in line_rows)))
            ledger_rows = [
                (k.kind, k.source_id, k.period, k.month, batch_id,
                 invoice_of_customer.get((k.customer_id, k.currency)))
                for k in keys
            ]
            _bulk_insert("billed_ledger", ["source_kind", "source_id", "period", "month", "batch_id",
                                           "invoice_id"], ledger_rows)
            _bill_tickets(ticket_ids)
            # The tickets are billed (their rows locked): their time can no longer
            # change. Compare it, and the other reviewed items, with the plan.
            _check_current(p, excluded, keys, batch_id)
            Setting.update(value=str(next_number + len(previews))).where(
                Setting.key == "next_invoice_number").execute()
            write_index(index_records)
            totals: dict[str, int] = defaultdict(int)
            for pv in previews:
                totals[pv.currency] += pv.total
            details = {"name": row.name, "invoices": numbers,
                       "totals": {k: format_minor(v, k) for k, v in totals.items()}}
            left_out = [k.source_id for k in keys if k.kind == "time_entry"]
            if left_out:
                details["time_entries_not_billed"] = left_out
            if final_bills:
                details["final_bills"] = final_bills
            _audit(actor, "batch.save", f"batch:{batch_id}", **details)
    except IntegrityError as exc:
        message = guard_message(exc)
        if message is not None:
            raise AlreadyBilledError(f"{message}; nothing was saved") from None
        # An item of this batch is in the ledger already (billed meanwhile).
        conflict = _conflict(keys)
        if conflict is not None:
            raise conflict from None
        raise
    refresh_statistics({"invoice": len(inv_rows), "invoice_line": len(line_rows), "billed_ledger": len(ledger_rows),
                        "ticket": len(ticket_ids), "invoice_search": len(inv_rows),
                        "benchmark_fact": len(line_rows) if facts_written is None else facts_written})
    return SaveResult(batch_id=batch_id, batch_name=draft.summary.name,
                      invoice_numbers=numbers, totals=dict(totals))


def _check_current(p: Plan, excluded: frozenset[str], keys: list[LedgerKey], batch_id: int) -> None:
    """Inside the save, after its ledger rows are written and its tickets billed
    (their rows locked): every reviewed ticket, expense and service item still has
    the time, amount and price it was reviewed with; else StaleReviewError names
    the first that changed, and the save rolls back. Read through the batch's own
    ledger rows (three grouped reads, no list of ids to send)."""
    idx = _index(p)
    database = db.obj
    mark = "%s" if is_postgres(database) else "?"
    time_now = {tid: (int(b or 0), int(w or 0)) for tid, b, w in database.execute_sql(
        "SELECT te.ticket_id, SUM(CASE WHEN te.billable THEN te.minutes ELSE 0 END), SUM(te.minutes) "
        "FROM billed_ledger l JOIN time_entry te ON te.ticket_id = l.source_id "
        f"WHERE l.batch_id = {mark} AND l.source_kind = 'ticket' GROUP BY te.ticket_id",
        (batch_id,)).fetchall()}
    for k in keys:
        if k.kind != "ticket":
            continue
        it = idx.node[f"ticket:{k.source_id}"]
        billable, worked = time_now.get(k.source_id, (0, 0))
        if billable != it.minutes or worked != it.minutes_worked:
            raise StaleReviewError(
                f"{_describe_source('ticket', k.source_id)} changed since it was reviewed (billable "
                f"time {quantity_str(hours_from_minutes(it.minutes))} h -> "
                f"{quantity_str(hours_from_minutes(billable))} h, worked "
                f"{quantity_str(hours_from_minutes(it.minutes_worked))} h -> "
                f"{quantity_str(hours_from_minutes(worked))} h); nothing was saved: "
                "review the batch again")
    if any(k.kind == "expense" for k in keys):
        now = {eid: (int(amount), bool(billable)) for eid, amount, billable in database.execute_sql(
            "SELECT e.id, e.amount, e.billable FROM billed_ledger l JOIN expense e ON e.id = l.source_id "
            f"WHERE l.batch_id = {mark} AND l.source_kind = 'expense'", (batch_id,)).fetchall()}
        for k in keys:
            if k.kind == "expense" and now.get(k.source_id) != (idx.node[f"expense:{k.source_id}"].amount, True):
                raise StaleReviewError(
                    f"{_describe_source('expense', k.source_id)} changed since it was reviewed; "
                    "nothing was saved: review the batch again")
    if any(k.kind == "service_item" for k in keys):
        now = {sid: (Decimal(q), int(price), bool(active)) for sid, q, price, active in database.execute_sql(
            "SELECT DISTINCT s.id, s.quantity, s.unit_price, s.active FROM billed_ledger l "
            "JOIN service_item s ON s.id = l.source_id "
            f"WHERE l.batch_id = {mark} AND l.source_kind = 'service_item'", (batch_id,)).fetchall()}
        for k in keys:
            if k.kind != "service_item":
                continue
            it = idx.node[f"service_item:{k.source_id}@{k.period}"]
            if now.get(k.source_id) != (it.quantity, it.unit_price, True):
                raise StaleReviewError(
                    f"{_describe_source('service_item', k.source_id)} changed since it was reviewed; "
                    "nothing was saved: review the batch again")


def _check_still_billable(batch_id: int, p: Plan) -> None:
    """A draft saved from the command line: every item its review selected must
    still be in the plan (selected or not). One that is gone was billed
    meanwhile, or reopened, or removed: say which, and save nothing."""
    stored = _decode_refs(Batch.get_by_id(batch_id).reviewed or "")
    if not stored:
        return  # a draft from before version 4 of the schema
    present = _index(p).period_of_item
    gone = [r for r in stored if r not in present]
    if not gone:
        return
    keys = []
    for ref in gone:
        kind, sid, period = parse_ref(ref)
        if kind in RECURRING_KINDS and period:
            try:
                months = months_of(parse_period(period))
            except ValidationError:
                months = [period]
            keys.extend((kind, sid, m + ("#1" if kind == "overage" else ""), 0) for m in months)
        else:
            keys.append((kind, sid, ONCE, 0))
    conflict = _conflict(keys)
    if conflict is not None:
        raise conflict
    kind, sid, _ = parse_ref(gone[0])
    more = f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""
    raise AlreadyBilledError(
        f"{_describe_source(kind, sid)}{more} is no longer billable since this draft was "
        "reviewed (reopened, changed or removed); nothing was saved: review the batch again")


def _ticket_not_closed(chunk: list[int]) -> None:
    """Raise for a ticket of ``chunk`` that was not closed when the batch was
    saved (reopened meanwhile): the transaction rolls back."""
    found = (Ticket.select(Ticket.number).where(Ticket.id.in_(chunk) & (Ticket.status != "billed"))
             .limit(1).tuples().first())
    number = found[0] if found else "of this batch"
    raise AlreadyBilledError(f"ticket {number} is no longer closed; nothing was saved")
