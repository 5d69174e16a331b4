"""A stateful property test of billing (issue 11): random books holding every
contract type x every billing period (on_demand included), in three
currencies (USD, JPY, BHD) and with an inactive customer, put through random
sequences of: plan and save any label (month, quarter, year) with random
exclusions and autosaves between toggles, late tickets and late time, stale
reviews, retypes, voids of one invoice or a whole batch, and re-saves.

After every step:
- no calendar month of any recurring source is on two live invoices;
- no one-time source (ticket, expense, project fee) is on two live invoices;
- every Billed ticket is on exactly one live invoice (its ledger row), with
  all its billable time that was not left out; no ticket is billed otherwise;
- every invoice equals its lines, every line is quantity x unit price exactly;
- no batch status ever moved backwards.

Runs on SQLite and PostgreSQL (the ``db`` fixture). The CI run is small (see
EXAMPLES); ``pytest --hypothesis-profile long tests/store/test_billing_state_machine.py``
runs the long profile registered in tests/conftest.py.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from store import billing
from store.errors import AlreadyBilledError, StaleReviewError, ValidationError
from store.models import (
    BILLING_PERIODS, CONTRACT_TYPES, Batch, BilledLedger, Contract, Invoice, InvoiceLine, ServiceItem,
    Ticket, TimeEntry,
)
from store.money import hours_from_minutes, line_amount, tax_amount
from store.periods import months_of, parse_period

TODAY = dt.date(2027, 2, 15)
LABELS = ["2026-09", "2026-10", "2026-11", "2026-12", "2026-Q3", "2026-Q4", "2026", "2027-01"]
RECURRING = ("service_item", "device", "block")
FORWARD = {("draft", "saved"), ("saved", "voided")}


def _book(currencies, inactive):
    from tests.factories import contract, customer, expense, ticket

    made = []
    customers = []
    for n, currency in enumerate(currencies):
        customers.append(customer(f"Customer {n}", currency=currency, tax=["0", "0.1", "0.19"][n % 3],
                                  active=not (inactive and n == len(currencies) - 1)))
    # every contract type x every billing period, spread over the customers
    for i, (kind, period) in enumerate((k, p) for k in CONTRACT_TYPES for p in BILLING_PERIODS):
        cust = customers[i % len(customers)]
        rate = {"USD": 12500, "JPY": 9900, "BHD": 12345}[cust.currency]
        con = contract(cust, f"{kind} {period}", kind, period=period, start=dt.date(2026, 1, 1),
                       hourly_rate=rate if kind == "hourly" else 0, block_hours=Decimal(5),
                       block_fee=rate * 4, overage_rate=rate + 7, device_count=3, device_rate=rate // 7,
                       fixed_fee=rate * 10)
        if kind == "retainer":
            ServiceItem.create(contract=con, description="Care", quantity=Decimal("1.5"), unit_price=rate + 1)
        ticket(cust, con, closed=dt.datetime(2026, 9 + i % 4, 3 + i % 20, 10), minutes=(61, 30 + i))
        if i % 3 == 0:
            expense(cust, con, amount=rate // 3 + i, day=dt.date(2026, 10, 5))
        made.append(con.id)
    return made


class BillingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.statuses: dict[int, str] = {}
        self.contracts: list[int] = []
        self.counter = 0

    @initialize(currencies=st.lists(st.sampled_from(["USD", "JPY", "BHD"]), min_size=2, max_size=3),
                inactive=st.booleans())
    def book(self, currencies, inactive):
        reset_book()
        self.contracts = _book(currencies, inactive)

    # --- rules ------------------------------------------------------------------

    def _name(self, what):
        self.counter += 1
        return f"{what} {self.counter}"

    def _create(self, name, label, **kwargs):
        """create_batch, or None when the plan has nothing to bill: refused, no draft written."""
        before = Batch.select().count()
        try:
            return billing.create_batch(name, label, today=TODAY, **kwargs)
        except ValidationError as exc:
            assert str(exc).startswith(f"nothing to bill for {label}"), exc
            assert Batch.select().count() == before
            return None

    @rule(label=st.sampled_from(LABELS), detail=st.sampled_from(["ticket", "time_entry", "contract"]),
          picks=st.lists(st.integers(0, 10_000), max_size=4), autosaves=st.integers(0, 2))
    def plan_and_save(self, label, detail, picks, autosaves):
        p = billing.plan(label, detail=detail, today=TODAY)
        refs = sorted({ref for cu in p.customers for co in cu.contracts for pe in co.periods
                       for it in pe.items for ref in [it.ref, *(ch.ref for ch in it.children)]})
        draft = self._create(self._name(label), label, detail=detail, reviewed=p)
        if draft is None:
            return
        self.statuses[draft.id] = "draft"
        excluded = frozenset()
        for n, pick in enumerate(picks):
            if refs:
                excluded = billing.toggle(p, excluded, refs[pick % len(refs)])
            if n < autosaves:  # the editor's autosave between toggles
                billing.update_draft(draft.id, excluded=excluded)
        billing.update_draft(draft.id, excluded=excluded)
        try:
            billing.save_batch(draft.id, today=TODAY, reviewed=p)
        except ValidationError as exc:
            assert "nothing selected" in str(exc), exc
            billing.delete_draft(draft.id)
            del self.statuses[draft.id]
            return
        self.statuses[draft.id] = "saved"

    @rule(label=st.sampled_from(LABELS), pick=st.integers(0, 10_000),
          detail=st.sampled_from(["ticket", "time_entry", "contract"]))
    def leave_out_one_time_entry(self, label, pick, detail):
        """--exclude time_entry:N: the ticket is billed without it, the entry recorded as not billed."""
        p = billing.plan(label, detail="time_entry", today=TODAY)
        entries = [ch.ref for cu in p.customers for co in cu.contracts for pe in co.periods if not pe.locked
                   for it in pe.items for ch in it.children if ch.minutes]
        if not entries:
            return
        ref = entries[pick % len(entries)]
        draft = billing.create_batch(self._name("entry"), label, detail=detail, excluded=[ref], today=TODAY)
        self.statuses[draft.id] = "draft"
        billing.save_batch(draft.id, today=TODAY)
        self.statuses[draft.id] = "saved"
        entry = int(ref.split(":")[1])
        assert BilledLedger.select().where((BilledLedger.source_kind == "time_entry")
                                           & (BilledLedger.source_id == entry)).exists()

    @rule(label=st.sampled_from(LABELS))
    def save_from_the_command_line(self, label):
        """create then save: the plan is made again at save, with the draft's refs checked."""
        draft = self._create(self._name(label), label)
        if draft is None:
            return
        self.statuses[draft.id] = "draft"
        try:
            billing.save_batch(draft.id, today=TODAY)
            self.statuses[draft.id] = "saved"
        except (ValidationError, AlreadyBilledError):
            pass  # nothing to bill, or something changed: the draft stays

    @rule(pick=st.integers(0, 10_000), month=st.integers(9, 12), minutes=st.integers(1, 400))
    def late_ticket(self, pick, month, minutes):
        from tests.factories import ticket

        con = Contract.get_by_id(self.contracts[pick % len(self.contracts)])
        ticket(con.customer, con, closed=dt.datetime(2026, month, 20, 16), minutes=(minutes,))

    @rule(pick=st.integers(0, 10_000), minutes=st.integers(1, 300), billable=st.booleans())
    def late_time(self, pick, minutes, billable):
        open_ones = [t for (t,) in Ticket.select(Ticket.id).where(Ticket.status == "closed")
                     .order_by(Ticket.id).tuples()]
        if open_ones:
            TimeEntry.create(ticket=open_ones[pick % len(open_ones)], technician="late",
                             started_at=dt.datetime(2026, 10, 30), minutes=minutes, billable=billable)

    @rule(label=st.sampled_from(LABELS), minutes=st.integers(1, 120))
    def stale_review(self, label, minutes):
        """Time added between review and save: the save refuses, naming the ticket."""
        p = billing.plan(label, today=TODAY)
        tickets = [it for cu in p.customers for co in cu.contracts for pe in co.periods for it in pe.items
                   if it.kind == "ticket" and not it.locked]
        if not tickets:
            return
        draft = billing.create_batch(self._name("stale"), label, today=TODAY, reviewed=p)
        self.statuses[draft.id] = "draft"
        tid = int(tickets[0].ref.split(":")[1])
        TimeEntry.create(ticket=tid, technician="late", started_at=dt.datetime(2026, 10, 30), minutes=minutes)
        number = Ticket.get_by_id(tid).number
        try:
            billing.save_batch(draft.id, today=TODAY, reviewed=p)
        except StaleReviewError as exc:
            assert f"ticket {number} changed since it was reviewed" in str(exc)
        except AlreadyBilledError:
            pass  # another item of the review was billed by a batch in between: also refused
        else:
            raise AssertionError("a stale review was billed")

    @rule(pick=st.integers(0, 10_000), period=st.sampled_from(BILLING_PERIODS))
    def retype(self, pick, period):
        Contract.update(billing_period=period).where(
            Contract.id == self.contracts[pick % len(self.contracts)]).execute()

    @rule(pick=st.integers(0, 10_000))
    def void_one_invoice(self, pick):
        live = [n for (n,) in Invoice.select(Invoice.number).join(Batch).where(
            (Invoice.status != "void") & (Batch.status == "saved")).order_by(Invoice.id).tuples()]
        if live:
            billing.void_invoice(live[pick % len(live)], "property test")

    @rule(pick=st.integers(0, 10_000))
    def void_a_batch(self, pick):
        saved = sorted(b for b, s in self.statuses.items() if s == "saved")
        if saved:
            batch = saved[pick % len(saved)]
            billing.void_batch(batch, "property test")
            self.statuses[batch] = "voided"

    @rule(pick=st.integers(0, 10_000))
    def void_again_is_refused(self, pick):
        voided = sorted(b for b, s in self.statuses.items() if s == "voided")
        if voided:
            batch = voided[pick % len(voided)]
            try:
                billing.void_batch(batch, "twice")
            except ValidationError:
                pass
            else:
                raise AssertionError("a voided batch was voided again")

    # --- invariants --------------------------------------------------------------

    @invariant()
    def statuses_only_move_forward(self):
        for bid, status in Batch.select(Batch.id, Batch.status).tuples():
            before = self.statuses.get(bid, status)
            assert before == status or (before, status) in FORWARD, (bid, before, status)
            self.statuses[bid] = status

    @invariant()
    def nothing_billed_twice(self):
        months, once = Counter(), Counter()
        for kind, sid, period in (InvoiceLine.select(InvoiceLine.source_kind, InvoiceLine.source_id,
                                                     InvoiceLine.period)
                                  .join(Invoice).where(Invoice.status != "void").tuples()):
            if kind in RECURRING:
                for m in months_of(parse_period(period)):
                    months[(kind, sid, m)] += 1
            elif kind in ("ticket", "expense", "project"):
                once[(kind, sid)] += 1
        assert not [k for k, n in months.items() if n > 1], "a month billed twice"
        assert not [k for k, n in once.items() if n > 1], "a one-time source billed twice"
        live_ledger = Counter((kind, sid, month) for kind, sid, month in BilledLedger.select(
            BilledLedger.source_kind, BilledLedger.source_id, BilledLedger.month).tuples())
        assert max(live_ledger.values(), default=1) == 1

    @invariant()
    def billed_tickets_are_on_one_live_invoice_with_all_their_time(self):
        billed = {t for (t,) in Ticket.select(Ticket.id).where(Ticket.status == "billed").tuples()}
        rows = list(BilledLedger.select(BilledLedger.source_id, BilledLedger.invoice, Invoice.status)
                    .join(Invoice).where(BilledLedger.source_kind == "ticket").tuples())
        assert {sid for sid, _, _ in rows} == billed
        assert all(status != "void" for _, _, status in rows)
        left_out = {sid for (sid,) in BilledLedger.select(BilledLedger.source_id).where(
            BilledLedger.source_kind == "time_entry").tuples()}
        for line in (InvoiceLine.select(InvoiceLine, Invoice.currency).join(Invoice)
                     .where((Invoice.status != "void") & (InvoiceLine.source_kind == "ticket"))):
            minutes = sum(m for eid, m in TimeEntry.select(TimeEntry.id, TimeEntry.minutes).where(
                (TimeEntry.ticket == line.source_id) & (TimeEntry.billable == True)).tuples()  # noqa: E712
                if eid not in left_out)
            rate = Contract.get_by_id(line.contract_id).hourly_rate if line.unit_price else 0
            assert line.amount == (line_amount(hours_from_minutes(minutes), rate) if rate else 0), line.description

    @invariant()
    def invoices_equal_their_lines_exactly(self):
        for inv in Invoice.select():
            lines = list(InvoiceLine.select().where(InvoiceLine.invoice == inv))
            assert inv.subtotal == sum(ln.amount for ln in lines)
            assert inv.tax == tax_amount(sum(ln.amount for ln in lines if ln.taxable), inv.tax_rate)
            assert inv.total == inv.subtotal + inv.tax
            for ln in lines:
                assert ln.quantity * ln.unit_price == ln.amount, (ln.description, ln.quantity, ln.unit_price)


_reset = {}


def reset_book():
    """A fresh, empty book for each example (on the test's database kind)."""
    _reset["fn"]()


def _run(db, tmp_path, examples, steps):
    from store.book import open_database
    from store.db import close_database, is_postgres

    kind = "postgres" if is_postgres(db) else "sqlite"
    count = {"n": 0}

    def fresh():
        close_database()
        if kind == "postgres":
            from tests.conftest import PG_URL, reset_postgres

            reset_postgres()
            open_database(PG_URL)
        else:
            count["n"] += 1
            open_database(str(tmp_path / f"book-{count['n']}.sqlite3"))

    _reset["fn"] = fresh
    long = settings.default.max_examples >= LONG_EXAMPLES
    run_state_machine_as_test(BillingMachine, settings=settings(
        max_examples=settings.default.max_examples if long else examples,
        stateful_step_count=settings.default.stateful_step_count if long else steps,
        deadline=None, suppress_health_check=list(HealthCheck), derandomize=not long))


LONG_EXAMPLES = 300  # the long profile's size (tests/conftest.py); the CI run is EXAMPLES


def test_billing_state_machine(db, tmp_path):
    from store.db import is_postgres

    # the CI budget: about 20 s on SQLite, 25 s on PostgreSQL
    _run(db, tmp_path, examples=8 if is_postgres(db) else 12, steps=12)
