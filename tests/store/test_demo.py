"""The demo MSP: a realistic, deterministic book anchored at a given day, with
the past months billed through the billing service."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from collections import Counter
from decimal import Decimal

import pytest

from store import settings
from store.book import open_database
from store.db import close_database
from store.demo import make_demo, past_periods
from store.errors import ValidationError
from store.models import (
    CONTRACT_TYPES,
    Batch,
    Contract,
    Customer,
    Expense,
    Invoice,
    InvoiceLine,
    ServiceItem,
    Ticket,
    TimeEntry,
)
from store.money import tax_amount

TODAY = dt.date(2026, 11, 27)
GENERATED = (Customer, Contract, ServiceItem, Ticket, TimeEntry, Expense)


def _dump() -> dict[str, list[tuple]]:
    return {m.__name__: list(m.select().order_by(m.id).tuples()) for m in GENERATED}


def test_small_book_spans_regions_currencies_and_every_contract_type(db):
    make_demo(customers=6, months=3, seed=1, today=TODAY, bill=False)

    customers = list(Customer.select())
    assert len(customers) == 6
    assert len({c.region for c in customers}) >= 5
    assert len({c.currency for c in customers}) >= 4
    assert all(isinstance(c.tax_rate, Decimal) for c in customers)
    contracts = list(Contract.select())
    assert {c.type for c in contracts} == set(CONTRACT_TYPES)
    assert {c.billing_period for c in contracts} == {"monthly", "quarterly", "yearly", "on_demand"}
    currency_of = {c.id: c.currency for c in customers}
    assert all(c.currency == currency_of[c.customer_id] for c in contracts)
    retainers = [c for c in contracts if c.type == "retainer"]
    assert all(ServiceItem.select().where(ServiceItem.contract == c).count() > 0 for c in retainers)
    assert all(c.device_count > 0 and c.device_rate > 0 for c in contracts if c.type == "per_device")
    assert all(c.hourly_rate > 0 for c in contracts if c.type == "hourly")
    assert all(c.block_hours > 0 and c.block_fee > 0 and c.overage_rate > 0
               for c in contracts if c.type == "block_hours")
    assert all(c.fixed_fee > 0 and c.end_date for c in contracts if c.type == "project_fixed")

    statuses = Counter(t.status for t in Ticket.select())
    assert statuses["open"] > 0 and statuses["closed"] > statuses["open"]
    assert all(re.fullmatch(r"T-1\d{5}", t.number) for t in Ticket.select())
    assert Ticket.select().where(Ticket.external_id.is_null(False)).count() == 0
    entries = list(TimeEntry.select())
    assert {e.billable for e in entries} == {True, False}
    assert len({e.technician for e in entries}) >= 4
    assert {e.billable for e in Expense.select()} == {True, False}
    # Ids were assigned by the generator: a record added afterwards gets the next one.
    added = Customer.create(name="Added Later LLC", region="US", currency="USD")
    assert added.id == 7


def test_default_book_has_thirty_customers_with_real_names_and_company_settings(sqlite_db):
    make_demo(today=TODAY, bill=False)

    names = [c.name for c in Customer.select()]
    assert len(names) == 30
    assert "Zoë Café GmbH" in names and "Müller & Söhne GmbH" in names
    assert len({c.region for c in Customer.select()}) >= 5
    assert len({c.currency for c in Customer.select()}) >= 4
    rates = {c.region: c.tax_rate for c in Customer.select() if c.region in ("UK", "DE", "AU")}
    assert rates == {"UK": Decimal("0.20"), "DE": Decimal("0.19"), "AU": Decimal("0.10")}
    periods = Counter(c.billing_period for c in Contract.select())
    assert periods["monthly"] > periods["quarterly"] > periods["yearly"] == 1
    assert settings.get("home_region") == "US"
    assert settings.get("company_name") == "Northstar Managed IT"
    assert settings.get("invoice_prefix") == "NS-"
    # A year of activity, about a thousand tickets.
    assert 600 < Ticket.select().count() < 3000
    first = min(t.opened_at for t in Ticket.select())
    assert first.date() >= dt.date(2025, 12, 1) and first.date() < dt.date(2025, 12, 10)


def test_data_is_anchored_at_today(sqlite_db):
    make_demo(customers=8, months=4, seed=3, today=TODAY, bill=False)

    midnight = dt.datetime.combine(TODAY, dt.time())
    assert max(t.opened_at for t in Ticket.select()) < midnight
    assert max(t.closed_at for t in Ticket.select().where(Ticket.status == "closed")) < midnight
    assert all(t.closed_at is None for t in Ticket.select().where(Ticket.status == "open"))
    assert all(t.closed_at > t.opened_at for t in Ticket.select().where(Ticket.status == "closed"))
    assert max(e.started_at for e in TimeEntry.select()) < midnight
    assert max(e.date for e in Expense.select()) < TODAY
    assert min(t.opened_at for t in Ticket.select()).date() >= dt.date(2026, 8, 1)


def test_same_seed_and_today_give_identical_rows(tmp_path):
    dumps = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        close_database()
        open_database(str(tmp_path / f"{name}.sqlite3"))
        make_demo(customers=12, months=3, seed=seed, today=TODAY, bill=False)
        dumps.append(_dump())
        close_database()
    assert dumps[0] == dumps[1]
    assert dumps[0]["TimeEntry"] and dumps[0]["Ticket"]
    assert dumps[0]["TimeEntry"] != dumps[2]["TimeEntry"]


def test_same_seed_and_today_give_identical_invoices(tmp_path):
    pytest.importorskip("store.billing")
    books = []
    for name in ("a", "b"):
        close_database()
        open_database(str(tmp_path / f"{name}.sqlite3"))
        make_demo(customers=6, months=4, seed=11, today=TODAY)
        books.append((
            list(Invoice.select(Invoice.number, Invoice.customer, Invoice.issue_date, Invoice.total)
                 .order_by(Invoice.id).tuples()),
            list(InvoiceLine.select(InvoiceLine.description, InvoiceLine.amount)
                 .order_by(InvoiceLine.id).tuples()),
            list(Ticket.select(Ticket.id, Ticket.status).order_by(Ticket.id).tuples()),
        ))
        close_database()
    assert books[0][0] and books[0] == books[1]


def test_demo_refuses_a_database_that_has_customers(sqlite_db):
    make_demo(customers=2, months=1, today=TODAY, bill=False)
    with pytest.raises(ValidationError, match="already has 2 customers.*new file with --db"):
        make_demo(customers=2, months=1, today=TODAY, bill=False)
    assert Customer.select().count() == 2


def test_past_periods_leave_the_last_complete_and_current_month_unbilled():
    assert past_periods(TODAY, 3) == [("2026-09", dt.date(2026, 10, 1))]
    periods = past_periods(TODAY, 12)
    assert [p for p, _ in periods][0] == "2025-12" and [p for p, _ in periods][-1] == "2026-09"
    assert len(periods) == 10
    assert past_periods(dt.date(2027, 1, 1), 2) == []
    assert past_periods(dt.date(2027, 1, 1), 4) == [("2026-10", dt.date(2026, 11, 1)),
                                                    ("2026-11", dt.date(2026, 12, 1))]


def test_past_months_are_billed_with_invoices_equal_to_their_lines(db):
    pytest.importorskip("store.billing")
    report = make_demo(customers=6, months=4, seed=5, today=TODAY)

    assert report.billed_periods == ["2026-08", "2026-09"]
    batches = list(Batch.select().order_by(Batch.id))
    assert [(b.name, b.period, b.status) for b in batches] == [
        ("Demo 2026-08", "2026-08", "saved"), ("Demo 2026-09", "2026-09", "saved")]
    invoices = list(Invoice.select())
    assert invoices and all(i.number.startswith("NS-") for i in invoices)
    assert {i.issue_date for i in invoices} == {dt.date(2026, 9, 1), dt.date(2026, 10, 1)}
    for invoice in invoices:
        lines = list(InvoiceLine.select().where(InvoiceLine.invoice == invoice))
        assert lines
        assert invoice.subtotal == sum(line.amount for line in lines)
        taxable = sum(line.amount for line in lines if line.taxable)
        assert invoice.tax == tax_amount(taxable, invoice.tax_rate)
        assert invoice.total == invoice.subtotal + invoice.tax
    billed = list(Ticket.select().where(Ticket.status == "billed"))
    assert billed
    # Only what closed before the end of the last billed month is billed: the
    # last complete month (October) and the current one are left to bill.
    assert max(t.closed_at for t in billed) < dt.datetime(2026, 10, 1)
    closed = Ticket.select().where(Ticket.status == "closed")
    assert closed.where(Ticket.closed_at >= dt.datetime(2026, 10, 1)).count() > 0
    assert closed.where(Ticket.closed_at < dt.datetime(2026, 10, 1)).count() == 0


def test_cli_demo_then_status_shows_what_the_issue_promises(tmp_path, capsys):
    from batchbill.cli import main

    path = tmp_path / "demo.sqlite3"
    close_database()
    assert main(["demo", "--db", str(path), "--today", "2026-11-27"]) == 0
    out = capsys.readouterr().out
    assert str(path) in out and "customers" in out and "invoices" in out
    close_database()
    assert main(["status", "--db", str(path), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    close_database()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert status["database"] == str(path)
    assert status["customers"] >= 25
    assert len(status["regions"]) >= 4 and len(status["currencies"]) >= 4
    assert all(status["contracts"][kind] > 0 for kind in CONTRACT_TYPES)
    assert status["tickets"]["open"] > 0 and status["tickets"]["closed"] > 0
    assert status["time_entries"] > status["tickets"]["closed"]
    assert status["expenses"] > 0
    try:
        import store.billing  # noqa: F401
    except ImportError:
        return
    assert status["tickets"]["billed"] > 0
    assert status["batches"] == 10 and status["invoices"] >= 10 * 20


def test_cli_demo_refuses_a_used_database_in_one_line(tmp_path, capsys):
    from batchbill.cli import main

    path = tmp_path / "demo.sqlite3"
    close_database()
    assert main(["demo", "--db", str(path), "--customers", "2", "--months", "1"]) == 0
    capsys.readouterr()
    close_database()
    assert main(["demo", "--db", str(path), "--customers", "2", "--months", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    close_database()
    assert err == ["batchbill: this database already has 2 customers; the demo only fills "
                   "an empty database: give a new file with --db"]


def test_customers_with_names_in_other_scripts_get_a_usable_e_mail_address(sqlite_db):
    """Regression: a Hebrew or Japanese name has no ASCII letters, and its e-mail was
    'accounts@.co.il'."""
    make_demo(customers=12, months=1, today=TODAY, bill=False, home="NL")
    emails = {c.name: c.email for c in Customer.select()}
    assert "כרמל מערכות תוכנה בע״מ" in emails and "株式会社さくら精機" in emails
    for email in emails.values():
        assert re.fullmatch(r"accounts@[a-z0-9]+\.[a-z.]+", email), email


def test_an_eu_home_makes_the_shop_a_company_of_that_country_and_sets_vat_treatment(sqlite_db):
    make_demo(customers=12, months=1, today=TODAY, bill=False, home="BE")
    assert settings.get("home_region") == "BE" and settings.get("seller_vat_id") == "BE0123456749"
    assert settings.get("seller_endpoint_scheme") == "0208" and settings.get("seller_iban").startswith("BE")
    treatment = {(c.country_code, c.vat_category, str(c.tax_rate)) for c in Customer.select()}
    assert ("BE", "S", "0.21") in treatment
    assert {cat for country, cat, _ in treatment if country in ("NL", "DE", "FR")} == {"AE"}
    assert {cat for country, cat, _ in treatment if country in ("US", "GB", "CA", "AU", "IL", "JP")} == {"G"}
    assert all(c.vat_id for c in Customer.select() if c.vat_category == "AE")
    with pytest.raises(ValidationError, match="--home 'XX'"):
        make_demo(customers=1, months=1, today=TODAY, bill=False, home="XX")
