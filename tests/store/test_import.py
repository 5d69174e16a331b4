"""CSV import: records keyed by external_id, the whole file checked before
anything is written, every problem reported as FILE:LINE: column: reason,
billed records protected. Runs on SQLite and PostgreSQL (``db`` fixture)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from store.errors import ImportFileError
from store.importing import IMPORT_ORDER, KINDS, SPECS, columns_markdown, import_bytes, import_file
from store.models import (
    AuditEvent, Batch, BilledLedger, Contract, Customer, Expense, ServiceItem, Ticket, TimeEntry,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "importing.md"
MODELS = (Customer, Contract, ServiceItem, Ticket, TimeEntry, Expense)


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in MODELS}


def load(kind: str, text: str):
    return import_bytes(kind, text.encode("utf-8"), f"{kind}.csv")


def problems_of(kind: str, data: str | bytes) -> list[str]:
    """The problems an import reports; asserts that it changed nothing."""
    before = counts()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(ImportFileError) as info:
        import_bytes(kind, raw, f"{kind}.csv")
    assert counts() == before
    return info.value.problems


def load_examples(*kinds: str) -> None:
    for kind in kinds or IMPORT_ORDER:
        import_file(kind, DATA / f"{kind}.csv")


CUSTOMERS = "external_id,name,region,currency\nC1,Acme,US,USD\nC2,Brandt,DE,EUR\n"


# ------------------------------------------------------------- happy paths


def test_example_files_import_cleanly_into_an_empty_book_in_dependency_order(db):
    created = {}
    for kind in IMPORT_ORDER:
        summary = import_file(kind, DATA / f"{kind}.csv")
        created[kind] = (summary.created, summary.updated, summary.unchanged)
    assert created == {
        "customers": (4, 0, 0), "contracts": (6, 0, 0), "service-items": (4, 0, 0),
        "tickets": (5, 0, 0), "time-entries": (7, 0, 0), "expenses": (5, 0, 0),
    }
    acme = Customer.get(Customer.external_id == "CUS-1001")
    assert acme.tax_rate == Decimal("0.0825")  # "8.25%"
    assert acme.address == "120 Main St, Suite 4\nAustin, TX 78701"
    assert Customer.get(Customer.external_id == "CUS-1002").name == "Brandt & Söhne GmbH"
    assert Customer.get(Customer.external_id == "CUS-1004").active is False
    retainer = Contract.get(Contract.external_id == "CON-2002")
    assert (retainer.currency, retainer.customer_id) == ("USD", acme.id)  # currency from the customer
    assert Contract.get(Contract.external_id == "CON-2001").hourly_rate == 12500
    assert Contract.get(Contract.external_id == "CON-2006").hourly_rate == 15000  # JPY has no decimals
    block = Contract.get(Contract.external_id == "CON-2003")
    assert (block.block_hours, block.block_fee, block.overage_rate) == (Decimal("10"), 95000, 11000)
    assert ServiceItem.get(ServiceItem.external_id == "SVC-3002").quantity == Decimal("1.5")
    ticket = Ticket.get(Ticket.external_id == "TIC-4002")
    assert ticket.title == 'New starter: laptop, accounts and "VPN" setup'
    assert (ticket.status, ticket.closed_at) == ("closed", dt.datetime(2026, 10, 7, 16, 0))
    assert Ticket.get(Ticket.external_id == "TIC-4004").closed_at is None
    entry = TimeEntry.get(TimeEntry.external_id == "TE-5002")
    assert (entry.ticket_id, entry.minutes, entry.billable) == (Ticket.get(Ticket.number == "T-1001").id, 15, False)
    toner = Expense.get(Expense.external_id == "EXP-6001")
    assert (toner.amount, toner.customer_id, toner.ticket_id) == (8999, acme.id, Ticket.get(Ticket.number == "T-1001").id)
    assert Expense.get(Expense.external_id == "EXP-6005").amount == 3200  # JPY
    assert AuditEvent.select().where(AuditEvent.action == "import").count() == 6


def test_reimporting_the_same_files_changes_nothing(db):
    load_examples()
    before = counts()
    for kind in IMPORT_ORDER:
        summary = import_file(kind, DATA / f"{kind}.csv")
        assert (summary.created, summary.updated) == (0, 0)
        assert summary.unchanged == summary.rows > 0
    assert counts() == before


def test_reimport_updates_the_record_with_that_external_id_instead_of_duplicating(db):
    load("customers", CUSTOMERS)
    summary = load("customers", "external_id,name,region,currency,tax_rate\n"
                   "C1,Acme Inc,US,USD,0.07\nC2,Brandt,DE,EUR,\nC3,Cedar,CA,CAD,5%\n")
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    assert Customer.select().count() == 3
    acme = Customer.get(Customer.external_id == "C1")
    assert (acme.name, acme.tax_rate) == ("Acme Inc", Decimal("0.07"))
    assert Customer.get(Customer.external_id == "C3").tax_rate == Decimal("0.05")


def test_an_absent_optional_column_keeps_the_stored_value_and_an_empty_cell_resets_it(db):
    load("customers", "external_id,name,region,currency,email\nC1,Acme,US,USD,ap@acme.example\n")
    load("customers", "external_id,name,region,currency\nC1,Acme,US,USD\n")
    assert Customer.get(Customer.external_id == "C1").email == "ap@acme.example"
    load("customers", "external_id,name,region,currency,email\nC1,Acme,US,USD,\n")
    assert Customer.get(Customer.external_id == "C1").email == ""


def test_a_utf8_bom_blank_lines_header_case_and_crlf_are_accepted(db):
    data = "\ufeffExternal_ID, Name ,REGION,currency\r\n\r\nC1,Acme,us,usd\r\n\r\n".encode("utf-8")
    summary = import_bytes("customers", data, "customers.csv")
    assert summary.created == 1
    acme = Customer.get(Customer.external_id == "C1")
    assert (acme.name, acme.region, acme.currency) == ("Acme", "US", "USD")


def test_a_spreadsheets_trailing_empty_columns_are_ignored(db):
    summary = load("customers", "external_id,name,region,currency,,\nC1,Acme,US,USD,,\nC2,Brandt,DE,EUR\n")
    assert summary.created == 2
    assert problems_of("customers", "external_id,name,region,currency,\nC3,Cedar,CA,CAD,oops\n") == [
        "customers.csv:2: row: too many cells: 5, the header has 4 (a half-written line, or an unquoted "
        "comma in a cell?)",
    ]


def test_datetimes_with_an_offset_are_stored_as_local_time(db):
    load_examples("customers", "contracts")
    load("tickets", "external_id,number,customer_external_id,title,status,opened_at\n"
         "T1,T-1,CUS-1001,Zulu,open,2026-10-01T09:00:00Z\n")
    expected = dt.datetime(2026, 10, 1, 9, tzinfo=dt.timezone.utc).astimezone().replace(tzinfo=None)
    assert Ticket.get(Ticket.number == "T-1").opened_at == expected


def test_many_time_entries_are_inserted_in_bulk(db):
    load_examples("customers", "contracts", "tickets")
    lines = ["external_id,ticket_external_id,technician,started_at,minutes"]
    lines += [f"E{i},TIC-4001,ann,2026-10-02T09:00:00,{i % 90}" for i in range(3000)]
    assert load("time-entries", "\n".join(lines) + "\n").created == 3000
    lines[1:] = [f"E{i},TIC-4001,ann,2026-10-02T09:00:00,{(i % 90) + (i == 7)}" for i in range(3000)]
    summary = load("time-entries", "\n".join(lines) + "\n")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2999)
    assert TimeEntry.get(TimeEntry.external_id == "E7").minutes == 8


# ------------------------------------------------------------- bad files: nothing is written


def test_a_missing_required_column_is_named_on_line_1_with_the_expected_columns(db):
    assert problems_of("customers", "external_id,name,currency\nC1,Acme,USD\n") == [
        "customers.csv:1: region: required column is missing (required: external_id, name, region, "
        "currency; optional: email, address, tax_rate, active, address_line1, address_line2, city, postcode, "
        "country_code, vat_id, endpoint_id, endpoint_scheme, buyer_reference, vat_category, vat_exemption_reason)",
    ]


def test_an_unknown_column_is_refused_with_a_suggestion_and_the_accepted_ones(db):
    load("customers", CUSTOMERS)
    assert problems_of(
        "contracts", "external_id,custmer_external_id,name,type,start_date\nK1,C1,Help,hourly,2026-01-01\n"
    ) == [
        "contracts.csv:1: custmer_external_id: unknown column (did you mean customer_external_id? "
        "accepted columns: external_id, customer_external_id, name, type, currency, billing_period, "
        "start_date, end_date, taxable, hourly_rate, block_hours, block_fee, overage_rate, device_count, "
        "device_rate, fixed_fee, active)",
    ]  # the suggestion covers the missing customer_external_id: no second line for it


def test_a_psa_export_header_gets_our_column_names_suggested(db):
    assert problems_of(
        "tickets", "Ticket ID,Ticket Number,Customer,Title,Status,Opened\n1,T-1,Acme,Printer,open,2026-10-01\n"
    ) == [
        f"tickets.csv:1: {name}: unknown column (did you mean {ours}? accepted columns: external_id, "
        "number, customer_external_id, contract_external_id, title, status, opened_at, closed_at)"
        for name, ours in [("Ticket ID", "external_id"), ("Ticket Number", "number"),
                           ("Customer", "customer_external_id"), ("Opened", "opened_at")]
    ]


def test_what_a_new_user_writes_gets_told_what_to_write_instead(db):
    load_examples("customers", "contracts", "tickets")
    assert problems_of(
        "tickets", "external_id,number,customer_external_id,title,status,opened_at\n"
        "T1,T-1,Acme Dental Group,Printer,resolved,10/02/2026 09:15\n"
    ) == [
        "tickets.csv:2: status: 'resolved' is not accepted (one of: open, closed); write closed",
        "tickets.csv:2: opened_at: '10/02/2026 09:15' is not a date-time; write YYYY-MM-DDTHH:MM "
        "(ISO 8601) (2026-10-02T09:15 if the month comes first, 2026-02-10T09:15 if the day does)",
        "tickets.csv:2: customer_external_id: unknown customer 'Acme Dental Group': no customer has this "
        "external_id; that is the name of the customer whose external_id is CUS-1001: write CUS-1001",
    ]
    assert problems_of(
        "time-entries", "external_id,ticket_external_id,technician,started_at,minutes\n"
        "E1,T-1001,ann,2026-10-02T09:00,1h30\n"
    ) == [
        "time-entries.csv:2: minutes: '1h30' is not a whole number of minutes (write 90)",
        "time-entries.csv:2: ticket_external_id: unknown ticket 'T-1001': no ticket has this external_id; "
        "that is the number of the ticket whose external_id is TIC-4001: write TIC-4001",
    ]


def test_a_file_of_another_kind_is_named_as_such(db):
    assert problems_of("customers", (DATA / "tickets.csv").read_bytes()) == [
        "customers.csv:1: header: these are the columns of tickets, not customers: import it as tickets",
    ]


def test_an_empty_required_cell_is_reported(db):
    assert problems_of("customers", "external_id,name,region,currency\nC1,,US,USD\n") == [
        "customers.csv:2: name: required, but the cell is empty",
    ]


def test_a_us_style_date_is_refused_with_the_iso_form_to_write(db):
    load("customers", CUSTOMERS)
    assert problems_of(
        "contracts", "external_id,customer_external_id,name,type,start_date,end_date,hourly_rate\n"
        "K1,C1,Help,hourly,10/31/2026,,100\nK2,C1,Other,hourly,2026-02-30,,100\n"
    ) == [
        "contracts.csv:2: start_date: '10/31/2026' is not a date; write YYYY-MM-DD "
        "(month first? write 2026-10-31)",
        "contracts.csv:3: start_date: '2026-02-30' is not a valid date (no such day)",
    ]


def test_negative_or_fractional_minutes_are_refused(db):
    load_examples("customers", "contracts", "tickets")
    assert problems_of(
        "time-entries", "external_id,ticket_external_id,technician,started_at,minutes\n"
        "E1,TIC-4001,ann,2026-10-02T09:00,-30\nE2,TIC-4001,ann,2026-10-02T09:00,1.5\n"
        "E3,TIC-4001,ann,31.10.2026 09:00,30\n"
    ) == [
        "time-entries.csv:2: minutes: -30 is negative; it must be a whole number >= 0",
        "time-entries.csv:3: minutes: '1.5' is not a whole number",
        "time-entries.csv:4: started_at: '31.10.2026 09:00' is not a date-time; write "
        "YYYY-MM-DDTHH:MM (ISO 8601) (day first? write 2026-10-31T09:00)",
    ]


def test_a_bad_currency_code_is_refused(db):
    assert problems_of("customers", "external_id,name,region,currency\nC1,Acme,US,US$\n") == [
        "customers.csv:2: currency: unknown currency code 'US$' (expected ISO 4217, e.g. USD)",
    ]


def test_non_numeric_amounts_and_too_many_decimals_are_refused(db):
    load_examples("customers", "contracts")
    assert problems_of(
        "expenses", "external_id,contract_external_id,date,description,amount\n"
        "X1,CON-2001,2026-10-01,Toner,$89.99\n"
        'X2,CON-2001,2026-10-01,Dock,"1,189.00"\n'
        "X3,CON-2001,2026-10-01,Cable,12.345\n"
        "X4,CON-2006,2026-10-01,Taxi,3200.5\n"
        "X5,CON-2001,2026-10-01,Refund,-5\n"
    ) == [
        "expenses.csv:2: amount: '$89.99' is not a number; write digits only, without a currency "
        "symbol or code",
        "expenses.csv:3: amount: '1,189.00' is not a number; leave out thousands separators",
        "expenses.csv:4: amount: 12.345 has more decimals than USD has",
        "expenses.csv:5: amount: 3200.5 has more decimals than JPY has",
        "expenses.csv:6: amount: -5 is negative; it must be >= 0",
    ]


def test_unknown_references_are_named_with_what_to_import_first(db):
    load("customers", CUSTOMERS)
    assert problems_of(
        "contracts", "external_id,customer_external_id,name,type,start_date,hourly_rate\n"
        "K1,C1,Help,hourly,2026-01-01,100\nK2,C9,Help,hourly,2026-01-01,100\n"
    ) == [
        "contracts.csv:3: customer_external_id: unknown customer 'C9': no customer has this "
        "external_id (import the customers first)",
    ]


def test_a_contract_needs_the_rates_its_type_is_billed_by(db):
    load("customers", CUSTOMERS)
    assert problems_of(
        "contracts", "external_id,customer_external_id,name,type,start_date,hourly_rate,block_hours,"
        "block_fee,device_rate,fixed_fee\n"
        "K1,C1,Help,hourly,2026-01-01,,,,,\n"
        "K2,C1,Block,block_hours,2026-01-01,,10,,,\n"
        "K3,C1,RMM,per_device,2026-01-01,,,,,\n"
        "K4,C1,Move,project_fixed,2026-01-01,,,,,\n"
        "K5,C1,Free help,hourly,2026-01-01,0,,,,\n"
        "K6,C1,Flat,retainer,2026-01-01,,,,,\n"
    ) == [
        "contracts.csv:2: hourly_rate: required for hourly contracts (write 0 if it really is free)",
        "contracts.csv:3: block_fee: required for block_hours contracts (write 0 if it really is free)",
        "contracts.csv:4: device_rate: required for per_device contracts (write 0 if it really is free)",
        "contracts.csv:5: fixed_fee: required for project_fixed contracts (write 0 if it really is free)",
    ]


def test_a_ticket_under_another_customers_contract_is_refused(db):
    load_examples("customers", "contracts")
    assert problems_of(
        "tickets", "external_id,number,customer_external_id,contract_external_id,title,status,opened_at\n"
        "T1,T-1,CUS-1002,CON-2001,Mixed up,open,2026-10-01T09:00\n"
    ) == [
        "tickets.csv:2: contract_external_id: contract CON-2001 (Helpdesk (T&M)) belongs to another "
        "customer, not to Brandt & Söhne GmbH",
    ]


def test_a_closed_ticket_needs_closed_at_and_billed_cannot_be_imported(db):
    load_examples("customers", "contracts")
    assert problems_of(
        "tickets", "external_id,number,customer_external_id,title,status,opened_at,closed_at\n"
        "T1,T-1,CUS-1001,Done,closed,2026-10-01T09:00,\n"
        "T2,T-2,CUS-1001,Paid,billed,2026-10-01T09:00,2026-10-01T10:00\n"
        "T3,T-3,CUS-1001,Backwards,closed,2026-10-01T09:00,2026-09-30T10:00\n"
    ) == [
        "tickets.csv:2: closed_at: required when status is closed",
        "tickets.csv:3: status: 'billed' is not accepted (one of: open, closed); tickets become billed "
        "when a batch is saved, they cannot be imported as billed",
        "tickets.csv:4: closed_at: 2026-09-30T10:00 is before opened_at 2026-10-01T09:00",
    ]


def test_duplicate_external_ids_and_names_within_the_file_are_refused(db):
    assert problems_of(
        "customers", "external_id,name,region,currency\nC1,Acme,US,USD\nC2,Acme,US,USD\nC1,Beta,US,USD\n"
    ) == [
        "customers.csv:3: name: customer name 'Acme' appears twice in the file (first on line 2)",
        "customers.csv:4: external_id: C1 appears twice in the file (first on line 2)",
    ]


def test_a_name_already_used_by_another_customer_is_refused(db):
    load("customers", CUSTOMERS)
    assert problems_of("customers", "external_id,name,region,currency\nC7,Acme,US,USD\n") == [
        "customers.csv:2: name: customer name 'Acme' already belongs to another record (external_id C1)",
    ]


def test_a_latin1_file_is_refused_with_the_line_and_byte_offset_and_how_to_fix_it(db):
    data = "external_id,name,region,currency\nC1,Café,FR,EUR\n".encode("latin-1")
    assert problems_of("customers", data) == [
        "customers.csv:2: encoding: the file is not UTF-8 (byte 0xe9 at byte offset 39, after 'C1,Caf'); re-save it "
        "as UTF-8 (in Excel: Save As > 'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')",
    ]


def test_a_utf16_file_is_refused_as_not_utf8(db):
    data = "external_id,name,region,currency\nC1,Acme,US,USD\n".encode("utf-16")
    assert problems_of("customers", data) == [
        "customers.csv:1: encoding: the file is not UTF-8 (byte 0xff at byte offset 0, at the start of "
        "the line); re-save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'; in LibreOffice: character set "
        "'Unicode (UTF-8)')",
    ]


def test_a_header_without_rows_imports_nothing_and_is_not_an_error(db):
    summary = load("customers", "external_id,name,region,currency\n")
    assert (summary.rows, summary.created) == (0, 0)
    assert Customer.select().count() == 0


def test_a_half_written_file_is_refused(db):
    assert problems_of(
        "customers", "external_id,name,region,currency\nC1,Acme,US,USD\nC2,Brandt,DE,EUR,extra\nC3,Ced"
    ) == [
        "customers.csv:3: row: too many cells: 5, the header has 4 (a half-written line, or an "
        "unquoted comma in a cell?)",
        "customers.csv:4: row: too few cells: 2, the header has 4 (a half-written line, or an "
        "unquoted comma in a cell?)",
    ]


def test_an_unterminated_quote_is_refused_at_the_line_where_it_starts(db):
    assert problems_of(
        "customers", 'external_id,name,region,currency,address\nC1,Acme,US,USD,"12 Main St\nAustin\n'
    ) == [
        "customers.csv:2: row: a quoted cell is never closed (a missing '\"', or a half-written file?); "
        "nothing after this line could be read",
    ]


def test_an_empty_file_is_refused_with_the_header_it_needs(db):
    assert problems_of("service-items", "") == [
        "service-items.csv:1: file: the file is empty; it needs a header line with the columns: "
        "external_id, contract_external_id, description, quantity, unit_price, active",
    ]


def test_a_semicolon_separated_file_is_refused_with_how_to_fix_it(db):
    assert problems_of("customers", "external_id;name;region;currency\nC1;Acme;US;USD\n") == [
        "customers.csv:1: header: the columns are separated by semicolons; save the file as "
        "comma-separated CSV with the columns: external_id, name, region, currency, email, address, "
        "tax_rate, active, address_line1, address_line2, city, postcode, country_code, vat_id, endpoint_id, "
        "endpoint_scheme, buyer_reference, vat_category, vat_exemption_reason",
    ]


def test_every_problem_of_every_row_is_collected_in_line_order(db):
    load("customers", CUSTOMERS)
    problems = problems_of(
        "contracts", "external_id,customer_external_id,name,type,currency,start_date,hourly_rate\n"
        "K1,C9,Help,hourly,USD,2026-01-01,abc\n"
        "K2,C1,Help,weekly,XXX,2026-01-01,100\n"
        "K3,C1,Fine,hourly,USD,2026-01-01,100\n"
    )
    assert problems == [
        "contracts.csv:2: hourly_rate: 'abc' is not a number; write digits only, without a currency "
        "symbol or code",
        "contracts.csv:2: customer_external_id: unknown customer 'C9': no customer has this "
        "external_id (import the customers first)",
        "contracts.csv:3: type: 'weekly' is not accepted (one of: hourly, retainer, block_hours, "
        "per_device, project_fixed)",
        "contracts.csv:3: currency: unknown currency code 'XXX' (expected ISO 4217, e.g. USD)",
    ]


# ------------------------------------------------------------- billed records


def _bill_examples():
    """Load the examples and mark ticket T-1001 and expense EXP-6001 billed."""
    load_examples()
    batch = Batch.create(name="October 2026", created_by="test", period="2026-10", status="saved")
    printer = Ticket.get(Ticket.number == "T-1001")
    BilledLedger.create(source_kind="ticket", source_id=printer.id, period="*", batch=batch)
    # a ticket is billed only with its ledger row (the database's guard)
    Ticket.update(status="billed").where(Ticket.number == "T-1001").execute()
    toner = Expense.get(Expense.external_id == "EXP-6001")
    BilledLedger.create(source_kind="expense", source_id=toner.id, period="*", batch=batch)


BILLED_T1001 = ("tickets.csv:2: external_id: ticket T-1001 is billed (batch 'October 2026'); void its "
                "batch first (the row would change it)")


def test_reimporting_unchanged_rows_of_billed_records_is_accepted(db):
    _bill_examples()
    for kind in ("tickets", "time-entries", "expenses"):
        summary = import_file(kind, DATA / f"{kind}.csv")
        assert (summary.created, summary.updated) == (0, 0)
    assert Ticket.get(Ticket.number == "T-1001").status == "billed"


def test_rows_that_would_change_billed_records_are_refused(db):
    _bill_examples()
    assert problems_of(
        "tickets", "external_id,number,customer_external_id,title,status,opened_at,closed_at\n"
        "TIC-4001,T-1001,CUS-1001,Printer (again),closed,2026-10-02T09:15:00,2026-10-02T11:40:00\n"
        "TIC-4005,T-1005,CUS-1004,Reopen me,open,2026-10-21T10:00:00,\n"
    ) == [BILLED_T1001]
    assert problems_of(
        "tickets", "external_id,number,customer_external_id,title,status,opened_at,closed_at\n"
        "TIC-4001,T-1001,CUS-1001,Printer offline in reception,open,2026-10-02T09:15:00,\n"
    ) == [BILLED_T1001]
    assert problems_of(
        "time-entries", "external_id,ticket_external_id,technician,started_at,minutes\n"
        "TE-5001,TIC-4001,ann,2026-10-02T09:20:00,50\n"
        "TE-5099,TIC-4001,ann,2026-10-03T09:00:00,10\n"
        "TE-5003,TIC-4001,bob,2026-10-05T09:00:00,120\n"
    ) == [
        "time-entries.csv:2: external_id: time entry TE-5001 is on ticket T-1001, which is billed "
        "(batch 'October 2026'); "
        "void its batch first (the row would change it)",
        "time-entries.csv:3: ticket_external_id: ticket T-1001 is billed (batch 'October 2026'); "
        "void its batch first "
        "(time cannot be added to a billed ticket)",
        "time-entries.csv:4: ticket_external_id: ticket T-1001 is billed (batch 'October 2026'); "
        "void its batch first "
        "(time cannot be added to a billed ticket)",
    ]
    assert problems_of(
        "expenses", "external_id,contract_external_id,date,description,amount\n"
        "EXP-6001,CON-2001,2026-10-02,Toner cartridge HP 58A,99.99\n"
        "EXP-6002,CON-2001,2026-10-06,USB-C docking station,199.00\n"
    ) == ["expenses.csv:2: external_id: expense EXP-6001 is billed (batch 'October 2026'); void its batch first "
        "(the row would change it)"]
    assert TimeEntry.get(TimeEntry.external_id == "TE-5001").minutes == 45
    assert Expense.get(Expense.external_id == "EXP-6002").amount == 18900


# ------------------------------------------------------------- the spec is the documentation


def test_docs_show_the_columns_of_every_kind_as_the_spec_defines_them():
    text = DOCS.read_text(encoding="utf-8")
    for kind in KINDS:
        assert columns_markdown(kind) in text, f"docs/importing.md (Columns) is out of date for {kind}"
    assert tuple(SPECS) == IMPORT_ORDER
