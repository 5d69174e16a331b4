"""The store's foundation: money rules, the database file, the schema, the
billed-record guard and settings."""
from __future__ import annotations

import datetime as dt
import os
import stat
from decimal import Decimal

import pytest

from store import settings
from store.book import open_database
from store.db import redact
from store.errors import BilledRecordError, ValidationError
from store.migrations import SCHEMA_VERSION, current_version
from store.models import BilledLedger, Batch, Contract, Customer, Expense, Ticket, TimeEntry
from store.money import (
    MoneyError, check_currency, format_minor, hours_from_minutes, line_amount, tax_amount, to_minor,
)


def test_money_uses_each_currencys_minor_unit():
    assert to_minor("12.50", "USD") == 1250
    assert to_minor("1200", "JPY") == 1200
    assert to_minor("1.234", "BHD") == 1234
    assert format_minor(123450, "EUR") == "1234.50"
    assert format_minor(-1250, "USD") == "-12.50"
    assert format_minor(1200, "JPY") == "1200"
    assert format_minor(1234, "BHD") == "1.234"
    with pytest.raises(MoneyError, match="more than 0 decimals for JPY"):
        to_minor("1.5", "JPY")
    with pytest.raises(MoneyError, match="unknown currency"):
        check_currency("XYZ")


def test_line_and_tax_amounts_round_half_up():
    assert line_amount(Decimal("0.25"), 12500) == 3125
    assert line_amount(Decimal("1.005"), 100) == 101  # 100.5 -> 101
    assert line_amount(Decimal("0.1"), 5) == 1  # 0.5 -> 1
    assert tax_amount(10005, Decimal("0.05")) == 500  # 500.25 -> 500
    assert tax_amount(10010, Decimal("0.05")) == 501  # 500.5 -> 501
    assert hours_from_minutes(10) == Decimal("0.17")
    assert hours_from_minutes(90) == Decimal("1.50")


def test_sqlite_file_is_private_and_migrated(tmp_path):
    path = tmp_path / "sub" / "book.sqlite3"
    database = open_database(str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert current_version(database) == SCHEMA_VERSION
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    database.close()


def test_redact_removes_password_only():
    assert redact("postgresql://bob:s3cret@db.local:5432/msp") == "postgresql://bob@db.local:5432/msp"
    assert redact("postgresql://bob@db.local/msp") == "postgresql://bob@db.local/msp"
    assert redact("/home/x/book.sqlite3") == "/home/x/book.sqlite3"


def _book():
    customer = Customer.create(name="Acme", region="US", currency="USD", tax_rate=Decimal("0.0825"))
    contract = Contract.create(
        customer=customer, name="Support", type="hourly", currency="USD",
        start_date=dt.date(2026, 1, 1), hourly_rate=12500,
    )
    ticket = Ticket.create(
        number="T-1", customer=customer, contract=contract, title="Printer", status="closed",
        opened_at=dt.datetime(2026, 10, 1, 9), closed_at=dt.datetime(2026, 10, 2, 9),
    )
    entry = TimeEntry.create(ticket=ticket, technician="ann", started_at=dt.datetime(2026, 10, 1, 9), minutes=45)
    expense = Expense.create(
        customer=customer, contract=contract, date=dt.date(2026, 10, 3), description="Toner", amount=4999,
    )
    return customer, contract, ticket, entry, expense


def test_decimal_values_survive_exactly(db):
    customer, *_ = _book()
    assert Customer.get_by_id(customer.id).tax_rate == Decimal("0.0825")


def test_billed_ticket_time_and_expense_cannot_be_changed(db):
    customer, contract, ticket, entry, expense = _book()
    batch = Batch.create(name="b", created_by="t", period="2026-10", status="saved")
    BilledLedger.create(source_kind="ticket", source_id=ticket.id, period="*", batch=batch)
    Ticket.update(status="billed").where(Ticket.id == ticket.id).execute()
    BilledLedger.create(source_kind="expense", source_id=expense.id, period="*", batch=batch)

    ticket = Ticket.get_by_id(ticket.id)
    ticket.status = "closed"
    with pytest.raises(BilledRecordError, match="ticket T-1: it is billed"):
        ticket.save()
    with pytest.raises(BilledRecordError, match="cannot delete ticket T-1"):
        Ticket.get_by_id(ticket.id).delete_instance()
    entry = TimeEntry.get_by_id(entry.id)
    entry.minutes = 600
    with pytest.raises(BilledRecordError, match="the ticket is billed"):
        entry.save()
    with pytest.raises(BilledRecordError, match="cannot add time to ticket T-1"):
        TimeEntry.create(ticket=ticket, technician="bo", started_at=dt.datetime(2026, 10, 5), minutes=5)
    expense = Expense.get_by_id(expense.id)
    expense.amount = 1
    with pytest.raises(BilledRecordError, match="expense .* it is billed"):
        expense.save()
    assert TimeEntry.get_by_id(entry.id).minutes == 45
    assert Expense.get_by_id(expense.id).amount == 4999


def test_ledger_refuses_the_same_source_twice(db):
    from peewee import IntegrityError

    batch = Batch.create(name="b", created_by="t", period="2026-10", status="saved")
    BilledLedger.create(source_kind="ticket", source_id=1, period="*", batch=batch)
    with pytest.raises(IntegrityError):
        with db.atomic():
            BilledLedger.create(source_kind="ticket", source_id=1, period="*", batch=batch)


def test_settings_are_typed_and_validated(db):
    assert settings.get("next_invoice_number") == 1
    settings.set_value("invoice_prefix", "ACME-")
    settings.set_value("payment_terms_days", "14")
    assert settings.get("invoice_prefix") == "ACME-"
    assert settings.get("payment_terms_days") == 14
    with pytest.raises(ValidationError, match="setting payment_terms_days: 'soon' is not accepted; expected a whole number"):
        settings.set_value("payment_terms_days", "soon")
    with pytest.raises(ValidationError, match="unknown setting 'colour'"):
        settings.set_value("colour", "red")
