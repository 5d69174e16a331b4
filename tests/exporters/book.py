"""A small fixed book of invoices, built from dataclasses, for the exporter tests:
a taxable and an untaxable line, a JPY and a BHD invoice, and every kind of
hostile or non-ASCII text (formula triggers, commas, quotes, tabs, newlines,
Zoë, Müller, 東京)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from store.domain import CustomerInfo, ExportSettings, InvoiceData, InvoiceLineData
from store.money import line_amount, tax_amount

ISSUE = dt.date(2026, 11, 2)
DUE = dt.date(2026, 12, 2)


def line(position, kind, description, quantity, unit_price, taxable=True, contract="Support", period="2026-10"):
    quantity = Decimal(quantity)
    amount = line_amount(quantity, unit_price)
    if quantity * unit_price != amount:
        # as billing writes it: quantity 1 at the amount, so quantity x price is exact
        quantity, unit_price = Decimal(1), amount
    return InvoiceLineData(
        position=position, kind=kind, contract=contract, period=period, description=description,
        quantity=quantity, unit_price=unit_price, amount=amount, taxable=taxable,
    )


def invoice(number, customer, lines, *, currency="USD", tax_rate="0", batch_id=7, batch_name="October 2026",
            status="issued", issue=ISSUE, due=DUE):
    lines = tuple(lines)
    rate = Decimal(tax_rate)
    subtotal = sum(ln.amount for ln in lines)
    tax = tax_amount(sum(ln.amount for ln in lines if ln.taxable), rate)
    return InvoiceData(
        number=number, batch_id=batch_id, batch_name=batch_name, customer=customer, currency=currency,
        issue_date=issue, due_date=due, subtotal=subtotal, tax=tax, total=subtotal + tax, tax_rate=rate,
        status=status, lines=lines, batch_period="2026-10",
    )


def customer(id, name, currency="USD", region="US", tax_rate="0", email="", address=""):
    return CustomerInfo(id=id, name=name, region=region, currency=currency, email=email, address=address,
                        tax_rate=Decimal(tax_rate))


ACME = customer(1, "Acme, Inc.", tax_rate="0.0825", email="ap@acme.example", address="1 Main St\nSpringfield")
HOSTILE = customer(2, '=HYPERLINK("http://x")')
ZOE = customer(3, "Zoë Müller GmbH", currency="EUR", region="DE", tax_rate="0.19")
TOKYO = customer(4, "東京 Systems", currency="JPY", region="JP", tax_rate="0.10")
MANAMA = customer(5, "Manama Trading", currency="BHD", region="BH")


def book() -> list[InvoiceData]:
    return [
        invoice("INV-000001", ACME, [
            line(1, "service_item", "Managed workstations, 25 seats", "25", 4500),
            line(2, "ticket", 'T-101 Printer "jams", again', "1.75", 12500),
            line(3, "expense", "Toner cartridge", "1", 4999, taxable=False, contract="Support"),
        ], tax_rate="0.0825"),
        invoice("INV-000002", HOSTILE, [
            line(1, "ticket", "+1 555 0100 call-back", "0.50", 12500),
            line(2, "expense", "-discount on cables", "2", 1000, taxable=False),
            line(3, "ticket", "@SUM(A1)", "0.25", 12500),
            line(4, "time_entry", "Line one\nline two\twith a tab", "1", 9000, contract="=cmd|' /C calc'!A0"),
        ]),
        invoice("INV-000003", ZOE, [
            line(1, "device", "Überwachung für Zoë, 12 Geräte", "12", 850),
        ], currency="EUR", tax_rate="0.19"),
        invoice("INV-000004", TOKYO, [
            line(1, "block", "東京 office block hours", "10", 15000),
            line(2, "ticket", "Tōkyō router ﬁx", "1.5", 12000, taxable=False),
        ], currency="JPY", tax_rate="0.10"),
        invoice("INV-000005", MANAMA, [
            line(1, "project", "Network cut-over, fixed fee", "1", 1234567),
            line(2, "ticket", "Follow-up", "0.33", 45500),
        ], currency="BHD"),
    ]


SETTINGS = ExportSettings(
    income_accounts={"expense": "Reimbursed Expenses"},
    item_names={"service_item": "Managed Services", "ticket": "Labor", "time_entry": "Labor",
                "expense": "Reimbursed Expenses", "device": "Device Monitoring", "block": "Block Hours",
                "project": "Project Services"},
    date_formats={"qbo-csv": "MM/DD/YYYY", "qbd-iif": "MM/DD/YYYY", "xero-csv": "DD/MM/YYYY"},
)
