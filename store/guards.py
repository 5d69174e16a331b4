"""The billing rules the database itself holds (DESIGN.md sections 2-3), so that
no ORM save, bulk update, import or second program can break them:

- batch, invoice and ticket statuses are one of their values and only move
  forward (draft -> saved -> voided; issued -> exported -> void, issued -> void);
- a billed ticket cannot be changed, reopened or deleted while its ledger row
  exists (a void deletes the ledger rows first, then returns the ticket to closed);
- a ticket becomes billed only with its ledger row;
- the time entries of a billed ticket cannot be added, changed, moved (onto or
  off it) or deleted; on PostgreSQL the check locks the ticket's row, so time
  added while a save bills the ticket waits for the save and is then refused;
- a billed expense cannot be changed or deleted.

Triggers on SQLite and PostgreSQL; the CHECK constraints on the status columns
are in the models (new books) and, for older books, triggers or constraints
added by the version 6 migration. Each refusal is an integrity error whose
message says what and why (``BILLED_GUARD`` in it tells the store's code the
error came from here).
"""
from __future__ import annotations

BILLED_GUARD = "batchbill guard"

_BATCH_MOVES = "(OLD.status = 'draft' AND NEW.status = 'saved') OR (OLD.status = 'saved' AND NEW.status = 'voided')"
_INVOICE_MOVES = ("(OLD.status = 'issued' AND NEW.status IN ('exported', 'void')) "
                  "OR (OLD.status = 'exported' AND NEW.status = 'void')")

_SQLITE = [
    # statuses: one of the values, forward only
    """CREATE TRIGGER IF NOT EXISTS guard_batch_status_insert BEFORE INSERT ON batch
    WHEN NEW.status NOT IN ('draft', 'saved', 'voided')
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: CHECK batch.status is draft, saved or voided'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS guard_batch_status BEFORE UPDATE OF status ON batch
    WHEN OLD.status <> NEW.status AND NOT ({_BATCH_MOVES})
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a batch moves only draft -> saved -> voided'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_invoice_status_insert BEFORE INSERT ON invoice
    WHEN NEW.status NOT IN ('issued', 'exported', 'void')
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: CHECK invoice.status is issued, exported or void'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS guard_invoice_status BEFORE UPDATE OF status ON invoice
    WHEN OLD.status <> NEW.status AND NOT ({_INVOICE_MOVES})
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: an invoice moves only issued -> exported -> void'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_ticket_status_insert BEFORE INSERT ON ticket
    WHEN NEW.status NOT IN ('open', 'closed', 'billed')
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: CHECK ticket.status is open, closed or billed'); END""",
    # billed tickets
    """CREATE TRIGGER IF NOT EXISTS guard_ticket_billed_insert BEFORE INSERT ON ticket
    WHEN NEW.status = 'billed'
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a ticket is billed only by saving a batch'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_ticket_billed_update BEFORE UPDATE ON ticket
    WHEN OLD.status = 'billed' AND (NEW.status = 'billed' OR EXISTS (
        SELECT 1 FROM billed_ledger WHERE source_kind = 'ticket' AND source_id = OLD.id))
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a billed ticket cannot be changed or reopened (void its invoice first)'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_ticket_becomes_billed BEFORE UPDATE OF status ON ticket
    WHEN NEW.status = 'billed' AND OLD.status <> 'billed' AND NOT EXISTS (
        SELECT 1 FROM billed_ledger WHERE source_kind = 'ticket' AND source_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a ticket is billed only with its ledger row (save a batch)'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_ticket_billed_delete BEFORE DELETE ON ticket
    WHEN OLD.status = 'billed'
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a billed ticket cannot be deleted (void its invoice first)'); END""",
    # time entries of billed tickets
    """CREATE TRIGGER IF NOT EXISTS guard_time_billed_insert BEFORE INSERT ON time_entry
    WHEN EXISTS (SELECT 1 FROM ticket WHERE id = NEW.ticket_id AND status = 'billed')
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: no time can be added to a billed ticket'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_time_billed_update BEFORE UPDATE ON time_entry
    WHEN EXISTS (SELECT 1 FROM ticket WHERE id IN (OLD.ticket_id, NEW.ticket_id) AND status = 'billed')
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a time entry of a billed ticket cannot be changed or moved onto or off it'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_time_billed_delete BEFORE DELETE ON time_entry
    WHEN EXISTS (SELECT 1 FROM ticket WHERE id = OLD.ticket_id AND status = 'billed')
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a time entry of a billed ticket cannot be deleted'); END""",
    # billed expenses
    """CREATE TRIGGER IF NOT EXISTS guard_expense_billed_update BEFORE UPDATE ON expense
    WHEN EXISTS (SELECT 1 FROM billed_ledger WHERE source_kind = 'expense' AND source_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a billed expense cannot be changed (void its invoice first)'); END""",
    """CREATE TRIGGER IF NOT EXISTS guard_expense_billed_delete BEFORE DELETE ON expense
    WHEN EXISTS (SELECT 1 FROM billed_ledger WHERE source_kind = 'expense' AND source_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'batchbill guard: a billed expense cannot be deleted (void its invoice first)'); END""",
]

_PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION batchbill_guard_batch() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> NEW.status AND NOT ({_BATCH_MOVES}) THEN
    RAISE EXCEPTION 'batchbill guard: batch % cannot move from % to % (draft -> saved -> voided only)',
      OLD.id, OLD.status, NEW.status USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION batchbill_guard_invoice() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> NEW.status AND NOT ({_INVOICE_MOVES}) THEN
    RAISE EXCEPTION 'batchbill guard: invoice % cannot move from % to %', OLD.number, OLD.status,
      NEW.status USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION batchbill_guard_ticket() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'billed' THEN
      RAISE EXCEPTION 'batchbill guard: ticket % is billed and cannot be deleted (void its invoice first)',
        OLD.number USING ERRCODE = '23000';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'billed' AND (NEW.status = 'billed' OR EXISTS (
      SELECT 1 FROM billed_ledger WHERE source_kind = 'ticket' AND source_id = OLD.id)) THEN
    RAISE EXCEPTION 'batchbill guard: ticket % is billed and cannot be changed or reopened (void its invoice first)',
      OLD.number USING ERRCODE = '23000';
  END IF;
  IF NEW.status = 'billed' AND (TG_OP = 'INSERT' OR OLD.status <> 'billed') AND NOT EXISTS (
      SELECT 1 FROM billed_ledger WHERE source_kind = 'ticket' AND source_id = NEW.id) THEN
    RAISE EXCEPTION 'batchbill guard: ticket % is billed only with its ledger row (save a batch)',
      NEW.number USING ERRCODE = '23000';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION batchbill_guard_time_entry() RETURNS trigger AS $$
DECLARE number text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT t.number INTO number FROM ticket t WHERE t.id = OLD.ticket_id AND t.status = 'billed';
    IF FOUND THEN
      RAISE EXCEPTION 'batchbill guard: time entry % of billed ticket % cannot be changed, moved or deleted',
        OLD.id, number USING ERRCODE = '23000';
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    -- wait for a save that is billing this ticket, then read its status
    PERFORM 1 FROM ticket WHERE id = NEW.ticket_id FOR SHARE;
    SELECT t.number INTO number FROM ticket t WHERE t.id = NEW.ticket_id AND t.status = 'billed';
    IF FOUND THEN
      RAISE EXCEPTION 'batchbill guard: no time can be added to or moved onto billed ticket %',
        number USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
  END IF;
  RETURN OLD;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION batchbill_guard_expense() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM billed_ledger WHERE source_kind = 'expense' AND source_id = OLD.id) THEN
    RAISE EXCEPTION 'batchbill guard: expense % is billed and cannot be changed or deleted (void its invoice first)',
      OLD.id USING ERRCODE = '23000';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

_PG_TRIGGERS = [
    ("guard_batch", "batch", "BEFORE UPDATE OF status", "batchbill_guard_batch"),
    ("guard_invoice", "invoice", "BEFORE UPDATE OF status", "batchbill_guard_invoice"),
    ("guard_ticket", "ticket", "BEFORE INSERT OR UPDATE OR DELETE", "batchbill_guard_ticket"),
    ("guard_time_entry", "time_entry", "BEFORE INSERT OR UPDATE OR DELETE", "batchbill_guard_time_entry"),
    ("guard_expense", "expense", "BEFORE UPDATE OR DELETE", "batchbill_guard_expense"),
]

_PG_CHECKS = [
    ("batch", "batch_status_check", "status IN ('draft', 'saved', 'voided')"),
    ("invoice", "invoice_status_check", "status IN ('issued', 'exported', 'void')"),
    ("ticket", "ticket_status_check", "status IN ('open', 'closed', 'billed')"),
]


def install(database) -> None:
    """Create (or replace) the guards; safe to run on a book that has them."""
    from store.db import is_postgres

    if not is_postgres(database):
        for sql in _SQLITE:
            database.execute_sql(sql)
        return
    database.execute_sql(_PG_FUNCTIONS.replace("%", "%%"))  # psycopg2 formats the text
    for name, table, when, function in _PG_TRIGGERS:
        database.execute_sql(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
        database.execute_sql(f'CREATE TRIGGER {name} {when} ON "{table}" '
                             f"FOR EACH ROW EXECUTE FUNCTION {function}()")
    for table, name, check in _PG_CHECKS:
        found = database.execute_sql(
            "SELECT 1 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = %s AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%%status%%' "
            "AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
            (table,)).fetchone()
        if found is None:
            database.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT {name} CHECK ({check})')


def guard_message(exc: BaseException) -> str | None:
    """The guard's own message when ``exc`` is one of its refusals, else None."""
    text = str(exc).strip()
    if BILLED_GUARD not in text:
        return None
    line = text.splitlines()[0]
    return line[line.index(BILLED_GUARD) + len(BILLED_GUARD) + 2:]
