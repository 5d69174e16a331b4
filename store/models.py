"""Peewee models for every entity of the domain (DESIGN.md section 2).

Money is integer minor units (``BigIntegerField``); quantities and rates are
exact decimal text (:class:`DecimalText`), never REAL. The billed ledger's
unique index is what makes double billing impossible, whatever the UI does.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from store.db import db
from store.errors import BilledRecordError


class DecimalText(TextField):
    """An exact Decimal stored as its text (SQLite would make DecimalField REAL)."""

    field_type = "TEXT"

    def db_value(self, value):
        if value is None:
            return None
        return str(Decimal(value))

    def python_value(self, value):
        if value is None:
            return None
        return Decimal(value)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField()


class Setting(BaseModel):
    key = CharField(primary_key=True, max_length=100)
    value = TextField()


CONTRACT_TYPES = ("hourly", "retainer", "block_hours", "per_device", "project_fixed")
BILLING_PERIODS = ("monthly", "quarterly", "yearly", "on_demand")
TICKET_STATUSES = ("open", "closed", "billed")
BATCH_STATUSES = ("draft", "saved", "voided")
INVOICE_STATUSES = ("issued", "exported", "void")
LINE_KINDS = ("service_item", "ticket", "time_entry", "expense", "device", "block", "project")
DETAIL_LEVELS = ("contract", "ticket", "time_entry")


class Customer(BaseModel):
    external_id = CharField(null=True, unique=True, max_length=200)
    name = CharField(unique=True, max_length=200)
    region = CharField(max_length=8)
    currency = CharField(max_length=3)
    email = CharField(default="", max_length=200)
    address = TextField(default="")
    tax_rate = DecimalText(default=Decimal("0"))
    active = BooleanField(default=True)
    # E-invoice identity (schema v7): structured address, VAT treatment, Peppol address.
    address_line1 = CharField(default="", max_length=200)
    address_line2 = CharField(default="", max_length=200)
    city = CharField(default="", max_length=100)
    postcode = CharField(default="", max_length=30)
    country_code = CharField(default="", max_length=2)
    vat_id = CharField(default="", max_length=30)
    endpoint_id = CharField(default="", max_length=200)
    endpoint_scheme = CharField(default="", max_length=10)
    buyer_reference = CharField(default="", max_length=200)
    vat_category = CharField(default="", max_length=2)  # S Z E AE G O; empty: S when taxed
    vat_exemption_reason = CharField(default="", max_length=200)


# The customer's e-invoice fields, in the order `customer show` lists them.
CUSTOMER_IDENTITY_FIELDS = ("address_line1", "address_line2", "city", "postcode", "country_code", "vat_id",
                            "endpoint_id", "endpoint_scheme", "buyer_reference", "vat_category",
                            "vat_exemption_reason")


class Contract(BaseModel):
    external_id = CharField(null=True, unique=True, max_length=200)
    customer = ForeignKeyField(Customer, backref="contracts", on_delete="RESTRICT")
    name = CharField(max_length=200)
    type = CharField(max_length=20)
    currency = CharField(max_length=3)
    billing_period = CharField(max_length=12, default="monthly")
    start_date = DateField()
    end_date = DateField(null=True)
    taxable = BooleanField(default=True)
    hourly_rate = BigIntegerField(default=0)  # minor units per hour
    block_hours = DecimalText(default=Decimal("0"))
    block_fee = BigIntegerField(default=0)
    overage_rate = BigIntegerField(default=0)
    device_count = IntegerField(default=0)
    device_rate = BigIntegerField(default=0)
    fixed_fee = BigIntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("customer", "name"), True),)


class ServiceItem(BaseModel):
    external_id = CharField(null=True, unique=True, max_length=200)
    contract = ForeignKeyField(Contract, backref="service_items", on_delete="RESTRICT")
    description = CharField(max_length=300)
    quantity = DecimalText(default=Decimal("1"))
    unit_price = BigIntegerField()
    active = BooleanField(default=True)


class GuardedModel(BaseModel):
    """A record that becomes read-only once billed (tickets, time entries, expenses).

    ``save`` and ``delete_instance`` refuse with :class:`BilledRecordError`;
    the billing service itself changes billed state with bulk queries.
    """

    def billed_reason(self) -> str | None:  # pragma: no cover - overridden
        return None

    def _stored(self):
        if self._pk is None:
            return None
        return type(self).get_or_none(type(self)._meta.primary_key == self._pk)

    def save(self, *args, **kwargs):
        stored = self._stored()
        if stored is not None:
            reason = stored.billed_reason()
            if reason:
                raise BilledRecordError(f"cannot change {reason}")
        reason = self.billed_reason_for_new()
        if reason:
            raise BilledRecordError(reason)
        return super().save(*args, **kwargs)

    def billed_reason_for_new(self) -> str | None:
        return None

    def delete_instance(self, *args, **kwargs):
        stored = self._stored()
        if stored is not None:
            reason = stored.billed_reason()
            if reason:
                raise BilledRecordError(f"cannot delete {reason}")
        return super().delete_instance(*args, **kwargs)


class Ticket(GuardedModel):
    external_id = CharField(null=True, unique=True, max_length=200)
    number = CharField(unique=True, max_length=50)
    customer = ForeignKeyField(Customer, backref="tickets", on_delete="RESTRICT")
    contract = ForeignKeyField(Contract, backref="tickets", null=True, on_delete="RESTRICT")
    title = CharField(max_length=300)
    status = CharField(max_length=10, default="open", index=True,
                       constraints=[Check("status IN ('open', 'closed', 'billed')")])
    opened_at = DateTimeField()
    closed_at = DateTimeField(null=True, index=True)

    def billed_reason(self):
        if self.status == "billed":
            return f"ticket {self.number}: it is billed (void its batch first)"
        return None


class TimeEntry(GuardedModel):
    external_id = CharField(null=True, unique=True, max_length=200)
    ticket = ForeignKeyField(Ticket, backref="time_entries", on_delete="RESTRICT")
    technician = CharField(max_length=100)
    started_at = DateTimeField()
    minutes = IntegerField()
    billable = BooleanField(default=True)
    note = TextField(default="")

    def billed_reason(self):
        ticket = Ticket.get_or_none(Ticket.id == self.ticket_id)
        if ticket is not None and ticket.status == "billed":
            return f"time entry {self.id} of ticket {ticket.number}: the ticket is billed"
        return None

    def billed_reason_for_new(self):
        # a new entry, or one moved onto another ticket (the database refuses both too)
        if self.ticket_id is not None:
            ticket = Ticket.get_or_none(Ticket.id == self.ticket_id)
            if ticket is not None and ticket.status == "billed":
                verb = "add" if self._pk is None else "move"
                return f"cannot {verb} time to ticket {ticket.number}: it is billed"
        return None


class Expense(GuardedModel):
    external_id = CharField(null=True, unique=True, max_length=200)
    customer = ForeignKeyField(Customer, backref="expenses", on_delete="RESTRICT")
    contract = ForeignKeyField(Contract, backref="expenses", on_delete="RESTRICT")
    ticket = ForeignKeyField(Ticket, backref="expenses", null=True, on_delete="RESTRICT")
    date = DateField(index=True)
    description = CharField(max_length=300)
    amount = BigIntegerField()  # minor units of the contract's currency
    billable = BooleanField(default=True)

    def billed_reason(self):
        entry = BilledLedger.get_or_none(
            (BilledLedger.source_kind == "expense") & (BilledLedger.source_id == self.id)
        )
        if entry is not None:
            return f"expense {self.id} ({self.description}): it is billed (void its batch first)"
        return None


class Batch(BaseModel):
    name = CharField(unique=True, max_length=200)
    created_at = DateTimeField(default=now)
    created_by = CharField(max_length=100)
    period = CharField(max_length=10)
    customer_ids = TextField(default="")  # JSON list of ids; empty = all customers
    detail = CharField(max_length=12, default="ticket")
    excluded = TextField(default="[]")  # JSON list of refs removed from the plan
    # JSON list of the item refs selected when the draft was reviewed: a save
    # that no longer finds one of them says which and why (billed meanwhile...)
    reviewed = TextField(default="")
    status = CharField(max_length=10, default="draft", index=True,
                       constraints=[Check("status IN ('draft', 'saved', 'voided')")])
    saved_at = DateTimeField(null=True)
    saved_by = CharField(max_length=100, null=True)
    voided_at = DateTimeField(null=True)
    voided_by = CharField(max_length=100, null=True)
    void_reason = TextField(null=True)


class Invoice(BaseModel):
    number = CharField(unique=True, max_length=30)
    sequence = IntegerField(unique=True)
    batch = ForeignKeyField(Batch, backref="invoices", on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, backref="invoices", on_delete="RESTRICT")
    currency = CharField(max_length=3)
    issue_date = DateField(index=True)
    due_date = DateField()
    subtotal = BigIntegerField()
    tax = BigIntegerField()
    total = BigIntegerField()
    tax_rate = DecimalText(default=Decimal("0"))
    status = CharField(max_length=10, default="issued", index=True,
                       constraints=[Check("status IN ('issued', 'exported', 'void')")])
    exported_at = DateTimeField(null=True)
    export_count = IntegerField(default=0)


class InvoiceLine(BaseModel):
    invoice = ForeignKeyField(Invoice, backref="lines", on_delete="CASCADE")
    position = IntegerField()
    kind = CharField(max_length=20)
    contract = ForeignKeyField(Contract, null=True, on_delete="RESTRICT")
    period = CharField(max_length=10)
    description = TextField()
    quantity = DecimalText()
    unit_price = BigIntegerField()
    amount = BigIntegerField()
    taxable = BooleanField(default=True)
    source_kind = CharField(max_length=20)
    source_id = BigIntegerField(null=True)
    # Hours worked (billable and not) behind a labour line: the benchmark's denominator.
    minutes_worked = IntegerField(default=0)


class BilledLedger(BaseModel):
    """What is billed: one row per billed source and calendar month, unique on
    (source kind, source id, month). The database's unique index is what makes
    double billing impossible, whatever the UI or a second technician does.

    ``month`` is the key: ``*`` for one-time sources (tickets, expenses, project
    fees: billed once ever); ``YYYY-MM`` for each calendar month a recurring
    charge covers (service items, device charges, block fees), so a quarter or a
    year collides with any month inside it, whatever the period label, billing
    period, retype or on_demand use; ``YYYY-MM#N`` for the N-th overage billed for
    a block period (a late ticket tops the overage up, never bills it twice).
    ``period`` is the label the source was billed under (for reading only).
    Kind ``time_entry`` rows record an entry left out of its billed ticket: not
    billed (no amount), locked with the ticket, released with it by a void.
    """

    source_kind = CharField(max_length=20)
    source_id = BigIntegerField()
    period = CharField(max_length=10)
    month = CharField(max_length=24, default="*")  # the default: a one-time source
    batch = ForeignKeyField(Batch, backref="ledger", on_delete="RESTRICT")
    invoice = ForeignKeyField(Invoice, null=True, on_delete="RESTRICT")

    class Meta:
        indexes = ((("source_kind", "source_id", "month"), True),)


class ExchangeRate(BaseModel):
    """ECB reference rate: units of ``currency`` per 1 EUR on ``date``."""

    date = DateField()
    currency = CharField(max_length=3)
    rate = DecimalText()

    class Meta:
        indexes = ((("currency", "date"), True),)


class BenchmarkReference(BaseModel):
    region = CharField(max_length=8, index=True)
    metric = CharField(max_length=40)
    value = DecimalText()
    currency = CharField(max_length=3)
    statistic = CharField(max_length=30)
    year = IntegerField(null=True)
    sample_size = IntegerField(null=True)
    source = TextField()
    confidence = CharField(max_length=20, default="")
    notes = TextField(default="")


class AuditEvent(BaseModel):
    at = DateTimeField(default=now, index=True)
    actor = CharField(max_length=100)
    action = CharField(max_length=50)
    subject = CharField(max_length=200)
    details = TextField(default="")


class DerivedCache(BaseModel):
    """A figure computed from the book, kept with the key it was computed for (the
    change token among others): e.g. the dashboard's benchmark summary. Not data: a
    missing or stale row only means the next reader computes it again."""

    name = CharField(primary_key=True, max_length=100)
    key = TextField()
    value = TextField()


class BenchmarkFact(BaseModel):
    """The benchmark's sums of invoice lines, kept with the invoices (store/benchmark/facts.py):
    one row per customer, contract, period, issue date and currency of the non-void
    invoices, ticket and time-entry lines apart from the others. The benchmark reads
    these instead of every line; it converts and groups them as it did the lines.
    ``contract_id`` 0 stands for lines without a contract. ``pair_key`` numbers the
    (issue date, currency) pair, ``first_month`` and ``months`` are the period's
    months (month index year*12+month-1; ``months`` 0 when the label is not one
    billing writes)."""

    customer_id = BigIntegerField()
    contract_id = BigIntegerField()
    period = CharField(max_length=10)
    issue_date = DateField()
    currency = CharField(max_length=3)
    pair_key = BigIntegerField()
    first_month = IntegerField()
    months = IntegerField()
    labour_amount = BigIntegerField()
    labour_minutes = BigIntegerField()
    labour_lines = IntegerField()
    other_amount = BigIntegerField()
    other_lines = IntegerField()


# Facts are found by issue date (a batch's days, a pair, the window), then customer.
BenchmarkFact.add_index(BenchmarkFact.index(
    BenchmarkFact.issue_date, BenchmarkFact.pair_key, BenchmarkFact.customer_id, name="benchmark_fact_day"))


class BenchmarkPair(BaseModel):
    """One (issue date, currency) of the facts, with the USD conversion its kept sums
    below were made with: ``rate_a / rate_b`` turns minor units into US cents
    (``state`` ok), or none (failed: no ECB rate; overflow: amounts too large for
    64-bit arithmetic). The benchmark checks it against the rates of today."""

    pair_key = BigIntegerField(primary_key=True)
    currency = CharField(max_length=3)
    issue_date = DateField(index=True)
    issue_month = IntegerField()
    state = CharField(max_length=10)
    rate_a = BigIntegerField(null=True)
    rate_b = BigIntegerField(null=True)
    odd_labels = IntegerField(default=0)  # facts whose period label billing does not write


class BenchmarkMonth(BaseModel):
    """USD invoiced per customer and month (in twelfths of a cent: a quarter's third and a
    year's twelfth are whole), summed over the facts' groups as the benchmark converts
    them. ``bucket`` is the month itself for groups issued in or after it, else their
    issue month (a group issued before a window's start is left out of that window).
    ``inexact``: a third or twelfth that does not end in Decimal is among them."""

    customer_id = BigIntegerField()
    month = IntegerField()
    bucket = IntegerField()
    total = BigIntegerField()
    inexact = IntegerField()
    groups = IntegerField()

    class Meta:
        indexes = ((("customer_id", "month", "bucket"), True),)


class BenchmarkPeriod(BaseModel):
    """Labour of an hourly contract per billed period (and currency), in minor units, US
    cents and minutes, with ``ratio`` = usd / minutes for ordering. ``month`` is the
    period's last month; ``bucket`` as in BenchmarkMonth."""

    contract_id = BigIntegerField()
    first_month = IntegerField()
    months = IntegerField()
    currency = CharField(max_length=3)
    month = IntegerField()
    bucket = IntegerField()
    billed = BigIntegerField()
    usd = BigIntegerField()
    minutes = BigIntegerField()
    groups = IntegerField()
    ratio = DoubleField(null=True)

    class Meta:
        indexes = ((("contract_id", "first_month", "months", "currency", "bucket"), True),)


class BenchmarkState(BaseModel):
    """What the kept benchmark sums were made with besides the rates (the hourly contracts)."""

    name = CharField(primary_key=True, max_length=50)
    value = TextField()


# The benchmark's reads: medians walk these in value order; "early" rows (a group issued
# before the month it counts in) are found without reading the others.
_base_month = BenchmarkMonth.bucket == BenchmarkMonth.month
BenchmarkMonth.add_index(BenchmarkMonth.index(
    BenchmarkMonth.month, BenchmarkMonth.customer_id, BenchmarkMonth.total, BenchmarkMonth.inexact,
    name="benchmark_month_window", where=_base_month))
BenchmarkMonth.add_index(BenchmarkMonth.index(
    BenchmarkMonth.total, BenchmarkMonth.month, BenchmarkMonth.inexact, BenchmarkMonth.customer_id,
    name="benchmark_month_total", where=_base_month))
BenchmarkMonth.add_index(BenchmarkMonth.index(
    BenchmarkMonth.month, BenchmarkMonth.bucket, name="benchmark_month_early",
    where=BenchmarkMonth.bucket < BenchmarkMonth.month))
_base_period = (BenchmarkPeriod.bucket == BenchmarkPeriod.month) & (BenchmarkPeriod.minutes > 0)
BenchmarkPeriod.add_index(BenchmarkPeriod.index(
    BenchmarkPeriod.month, BenchmarkPeriod.ratio, BenchmarkPeriod.usd, BenchmarkPeriod.minutes,
    name="benchmark_period_month", where=_base_period))
BenchmarkPeriod.add_index(BenchmarkPeriod.index(
    BenchmarkPeriod.ratio, BenchmarkPeriod.month, BenchmarkPeriod.usd, BenchmarkPeriod.minutes,
    name="benchmark_period_ratio", where=_base_period))
BenchmarkPeriod.add_index(BenchmarkPeriod.index(
    BenchmarkPeriod.contract_id, BenchmarkPeriod.month, BenchmarkPeriod.usd, BenchmarkPeriod.minutes,
    BenchmarkPeriod.billed, BenchmarkPeriod.currency, name="benchmark_period_contract", where=_base_period))
BenchmarkPeriod.add_index(BenchmarkPeriod.index(
    BenchmarkPeriod.month, BenchmarkPeriod.bucket, name="benchmark_period_early",
    where=BenchmarkPeriod.bucket < BenchmarkPeriod.month))


ALL_MODELS = [
    SchemaVersion,
    Setting,
    Customer,
    Contract,
    ServiceItem,
    Ticket,
    TimeEntry,
    Expense,
    Batch,
    Invoice,
    InvoiceLine,
    BilledLedger,
    ExchangeRate,
    BenchmarkReference,
    AuditEvent,
    DerivedCache,
    BenchmarkFact,
    BenchmarkPair,
    BenchmarkMonth,
    BenchmarkPeriod,
    BenchmarkState,
]
