"""Issue 13 findings 6 and 7: a CRLF re-save of an unchanged file is unchanged
(even for billed tickets), and customer names are unique after NFKC, case
folding and removal of invisible characters."""
from __future__ import annotations

import datetime as dt

import pytest

from store.importing import import_bytes
from store.models import Customer, Ticket
from store.text import name_key
from tests.store.test_import import load_examples, problems_of

TICKETS = ("external_id,number,customer_external_id,contract_external_id,title,status,opened_at,closed_at\n"
           'TX1,T-9001,CUS-1001,CON-2001,"Printer jams\nevery morning",closed,2026-10-01T09:00,2026-10-02T10:00\n')
TIME = ("external_id,ticket_external_id,technician,started_at,minutes,billable,note\n"
        "TE1,TX1,ann,2026-10-01T09:30:00,30,yes,Cleared the jam\n")


def _bill_october() -> None:
    """Bill the imported ticket the only way a ticket becomes Billed: a saved batch (the
    database refuses a Billed ticket without its ledger row)."""
    from store import billing

    import_bytes("time-entries", TIME.encode(), "time-entries.csv")
    batch = billing.create_batch("Oct", "2026-10")
    billing.save_batch(batch.id, issue_date=dt.date(2026, 11, 1), today=dt.date(2026, 12, 1))
    assert Ticket.get(Ticket.external_id == "TX1").status == "billed"


def test_crlf_resave_of_a_billed_ticket_with_a_multi_line_title_is_unchanged(db):
    load_examples("customers", "contracts")
    import_bytes("tickets", TICKETS.encode(), "tickets.csv")
    _bill_october()
    excel = TICKETS.replace("\n", "\r\n").encode("utf-8-sig")
    summary = import_bytes("tickets", excel, "tickets.csv")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert Ticket.get(Ticket.external_id == "TX1").title == "Printer jams\nevery morning"


def test_a_title_stored_with_crlf_by_an_older_version_compares_unchanged(db):
    load_examples("customers", "contracts")
    import_bytes("tickets", TICKETS.encode(), "tickets.csv")
    Ticket.update(title="Printer jams\r\nevery morning").execute()
    _bill_october()
    summary = import_bytes("tickets", TICKETS.encode(), "tickets.csv")
    assert summary.unchanged == 1


def test_a_real_change_to_a_billed_ticket_is_still_refused(db):
    load_examples("customers", "contracts")
    import_bytes("tickets", TICKETS.encode(), "tickets.csv")
    _bill_october()
    problems = problems_of("tickets", TICKETS.replace("every morning", "every evening"))
    assert problems == ["tickets.csv:2: external_id: ticket T-9001 is billed (batch 'Oct'); void its batch first (the row "
                        "would change it)"]


@pytest.mark.parametrize("a, b", [("Acme", "ACME"), ("Acme", "Ac\u200bme"), ("Acme GmbH", "Ａｃｍｅ GmbH"),
                                  ("Straße", "STRASSE"), ("Acme  Inc", "Acme Inc"), ("Acme", "\ufeffAcme")])
def test_name_key_makes_lookalikes_equal(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_keeps_different_names_apart():
    assert name_key("Acme") != name_key("Acne")
    assert name_key("Müller") != name_key("Muller")  # accents are part of a name


def test_lookalike_names_in_one_file_are_refused(db):
    text = "external_id,name,region,currency\nC1,Acme,US,USD\nC2,ACME,US,USD\nC3,\"Ac\u200bme\",US,USD\n"
    same = "has the same name once case, Unicode forms (NFKC) and invisible characters are ignored as 'Acme'"
    assert problems_of("customers", text) == [
        f"customers.csv:3: name: customer name 'ACME' {same} (first on line 2)",
        f"customers.csv:4: name: customer name 'Ac\\u200bme' {same} (first on line 2)",
    ]


def test_a_lookalike_of_an_existing_customer_is_refused_naming_it(db):
    import_bytes("customers", b"external_id,name,region,currency\nC1,Acme,US,USD\n", "c.csv")
    problems = problems_of("customers", "external_id,name,region,currency\nC2,ACME,US,USD\n")
    assert problems == ["customers.csv:2: name: customer name 'ACME' is taken: customer 'Acme' has the same "
                        "name once case, Unicode forms (NFKC) and invisible characters are ignored "
                        "(external_id C1)"]


def test_renaming_a_customer_to_its_own_lookalike_is_fine(db):
    import_bytes("customers", b"external_id,name,region,currency\nC1,Acme,US,USD\n", "c.csv")
    import_bytes("customers", b"external_id,name,region,currency\nC1,ACME,US,USD\n", "c.csv")
    assert Customer.get(Customer.external_id == "C1").name == "ACME"
