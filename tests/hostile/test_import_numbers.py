"""Issue 13 findings 2 and 3: numbers and dates follow the documented grammar
and ranges; anything else is refused as FILE:LINE: column: reason with
nothing written (never an OverflowError, never silently stored as 0)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from store.importing import import_bytes
from store.models import Contract, Customer, Expense, ServiceItem, TimeEntry
from tests.store.test_import import counts, load_examples, problems_of

EXPENSE = "external_id,contract_external_id,date,description,amount\nX1,CON-2001,{date},Toner,{amount}\n"
ITEM = "external_id,contract_external_id,description,unit_price,quantity\nS1,CON-2002,Backup,{price},{qty}\n"
ENTRY = "external_id,ticket_external_id,technician,started_at,minutes\nE1,TIC-4004,ann,{at},{minutes}\n"
CONTRACT = ("external_id,customer_external_id,name,type,start_date,device_count,device_rate\n"
            "K1,CUS-1001,Devices,per_device,2026-01-01,{count},1.00\n")
CUSTOMER = "external_id,name,region,currency,tax_rate\nC9,Zeta,US,USD,{rate}\n"


@pytest.fixture
def book(db):
    load_examples("customers", "contracts", "tickets")
    return db


@pytest.mark.parametrize("amount, reason", [
    ("1e17", "'1e17' is not a number; write it without an exponent (all digits, e.g. 125 for 1.25E2)"),
    ("1E+30", "'1E+30' is not a number; write it without an exponent (all digits, e.g. 125 for 1.25E2)"),
    ("1e309", "'1e309' is not a number; write it without an exponent (all digits, e.g. 125 for 1.25E2)"),
    ("1e-999999999", "'1e-999999999' is not a number; write it without an exponent (all digits, e.g. 125 "
                     "for 1.25E2)"),
    ("9223372036854775807", "9223372036854775807 is too large: at most 1,000,000,000"),
    ("50000000000000000.00", "50000000000000000.00 is too large: at most 1,000,000,000"),
    ("1000000000.01", "1000000000.01 is too large: at most 1,000,000,000"),
    ("１２.５０", "'１２.５０' is not a number; write the digits as ASCII 0-9"),
    ("1_000.00", "'1_000.00' is not a number; leave out thousands separators"),
    ('"1,000.00"', "'1,000.00' is not a number; leave out thousands separators"),
    ("+12.50", "'+12.50' is not a number; write it without '+'"),
    ("-12.50", "-12.50 is negative; it must be >= 0"),
    ("12.505", "12.505 has more decimals than USD has"),
    ("9" * 400, "99999999999999999999... is far too large (at most 1,000,000,000)"),
])
def test_expense_amount_outside_the_grammar_or_range_is_refused_with_its_line(book, amount, reason):
    assert problems_of("expenses", EXPENSE.format(date="2026-10-02", amount=amount)) == [
        f"expenses.csv:2: amount: {reason}"]


def test_expense_amount_at_the_bound_imports(book):
    import_bytes("expenses", EXPENSE.format(date="2026-10-02", amount="1000000000.00").encode(), "e.csv")
    assert Expense.get(Expense.external_id == "X1").amount == 100_000_000_000


@pytest.mark.parametrize("price, qty, column, reason", [
    ("1e17", "1", "unit_price", "'1e17' is not a number; write it without an exponent (all digits, e.g. 125 "
                                "for 1.25E2)"),
    ("9223372036854775807", "1", "unit_price", "9223372036854775807 is too large: at most 1,000,000,000"),
    ("10.00", "1000001", "quantity", "1000001 is too large: at most 1,000,000"),
    ("10.00", "1.00001", "quantity", "1.00001 has more than 4 decimals"),
    ("10.00", "1.25E2", "quantity", "'1.25E2' is not a number; write it without an exponent (all digits, e.g. "
                                    "125 for 1.25E2)"),
])
def test_service_item_numbers_are_bounded(book, price, qty, column, reason):
    assert problems_of("service-items", ITEM.format(price=price, qty=qty)) == [
        f"service-items.csv:2: {column}: {reason}"]


@pytest.mark.parametrize("minutes, reason", [
    ("9" * 25, "9999999999999999999999999 is too large: at most 10,080"),
    ("9223372036854775807", "9223372036854775807 is too large: at most 10,080"),
    ("10081", "10081 is too large: at most 10,080"),
    ("١٢", "'١٢' is not a whole number; write the digits as ASCII 0-9"),
    ("12.5", "'12.5' is not a whole number"),
    ("+12", "'+12' is not a whole number; write it without '+'"),
    ("-5", "-5 is negative; it must be a whole number >= 0"),
    ("1h30", "'1h30' is not a whole number of minutes (write 90)"),
])
def test_time_entry_minutes_are_bounded_whole_ascii_numbers(book, minutes, reason):
    assert problems_of("time-entries", ENTRY.format(at="2026-10-02T09:00", minutes=minutes)) == [
        f"time-entries.csv:2: minutes: {reason}"]


def test_device_count_of_25_digits_is_refused(book):
    assert problems_of("contracts", CONTRACT.format(count="9" * 25)) == [
        "contracts.csv:2: device_count: 9999999999999999999999999 is too large: at most 1,000,000"]


@pytest.mark.parametrize("rate, stored", [("0.19", Decimal("0.19")), ("19%", Decimal("0.19")),
                                         ("8.25%", Decimal("0.0825")), ("0", Decimal("0"))])
def test_tax_rate_as_fraction_or_percentage(db, rate, stored):
    import_bytes("customers", CUSTOMER.format(rate=rate).encode(), "c.csv")
    assert Customer.get(Customer.external_id == "C9").tax_rate == stored


@pytest.mark.parametrize("rate, reason", [
    ("2%%", "'2%%' is not a rate: write a fraction (0.0825) or a percentage (8.25%)"),
    ("1e-30%", "'1e-30%' is not a rate: write a fraction (0.0825) or a percentage (8.25%); write it without "
               "an exponent (all digits, e.g. 125 for 1.25E2)"),
    ("19 %", "'19 %' is not a rate: write a fraction (0.0825) or a percentage (8.25%)"),
    ("100%", "100% is not a rate: write a fraction (0.0825) or a percentage (8.25%), under 100%"),
    ("0.0000001", "0.0000001 has more than 6 decimals"),
    ("-0.1", "-0.1 is negative; it must be >= 0"),
])
def test_tax_rate_outside_the_grammar_is_refused(db, rate, reason):
    assert problems_of("customers", CUSTOMER.format(rate=rate)) == [f"customers.csv:2: tax_rate: {reason}"]


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_dates_outside_2000_to_2100_are_refused(book, date):
    assert problems_of("expenses", EXPENSE.format(date=date, amount="1.00")) == [
        f"expenses.csv:2: date: {date!r} is out of range: dates go from 2000-01-01 to 2100-12-31"]


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:00-05:00", "1999-12-31T23:59"])
def test_date_times_outside_2000_to_2100_are_refused(book, at):
    assert problems_of("time-entries", ENTRY.format(at=at, minutes="5")) == [
        f"time-entries.csv:2: started_at: {at!r} is out of range: dates go from 2000-01-01 to 2100-12-31"]


def test_exotic_digits_in_dates_are_refused(book):
    assert problems_of("expenses", EXPENSE.format(date="٢٠٢٦-10-02", amount="1.00")) == [
        "expenses.csv:2: date: '٢٠٢٦-10-02' is not a date; write YYYY-MM-DD"]


def test_bounds_hold_on_every_money_column(book):
    """Every money column refuses 1e9 + 1 (the spec's one bound, not a copy per column)."""
    text = ("external_id,customer_external_id,name,type,start_date,hourly_rate,block_fee,overage_rate,"
            "device_rate,fixed_fee\nK2,CUS-1001,Big,hourly,2026-01-01" + ",1000000001" * 5 + "\n")
    assert problems_of("contracts", text) == [
        f"contracts.csv:2: {c}: 1000000001 is too large: at most 1,000,000,000"
        for c in ("hourly_rate", "block_fee", "overage_rate", "device_rate", "fixed_fee")]
    assert counts()["Contract"] == Contract.select().count()
    assert not ServiceItem.select().count() and not TimeEntry.select().count()
