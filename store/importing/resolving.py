"""Resolving parsed rows against the book: references by external id,
natural keys (names, numbers) unique, and the billed guard (a row must not
change a billed record)."""
from __future__ import annotations

import datetime as dt
import json

from peewee import chunked

from store import identity
from store.db import is_postgres
from store.errors import ValidationError
from store.importing.reading import _Parsed, _Row
from store.importing.seen import Seen
from store.importing.specs import _CHUNK, _MODELS, SPECS
from store.models import CUSTOMER_IDENTITY_FIELDS, Batch, BilledLedger, Contract, Customer, Setting, Ticket
from store.money import MoneyError, to_minor
from store.text import name_key, normalise_newlines

def _wait_for_batch_saves() -> None:
    """On PostgreSQL, take the row lock a batch save takes (the invoice number
    counter), so that no batch bills an expense or ticket between the billed
    check and the write. SQLite's BEGIN IMMEDIATE already serialises writers."""
    if is_postgres():
        list(Setting.select(Setting.key).where(Setting.key == "next_invoice_number").for_update())


def _records_where_in(model, column, values, fields=(), guarded: bool = True):
    """Records of ``model`` whose ``column`` (a field) is one of ``values``, as dicts
    by field name with Peewee's conversions, in raw SQL: Peewee's ``in_()`` builds a
    parameter node per value, most of a large import's look-up time (issue 16).
    On PostgreSQL the values go as one array (``= ANY(%s)``) and tickets are read
    FOR SHARE (:func:`_guarded`)."""
    from store.db import db

    fields = list(fields) or model._meta.sorted_fields
    names = [f.name for f in fields]
    converters = [f.python_value for f in fields]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    table = model._meta.table_name
    values = sorted(set(values))
    if is_postgres():
        lock = " FOR SHARE" if guarded and model is Ticket else ""
        chunks = [values[i:i + 5000] for i in range(0, len(values), 5000)]
        statements = [(f'SELECT {columns} FROM "{table}" WHERE "{column.column_name}" = ANY(%s){lock}', (chunk,))
                      for chunk in chunks]
    else:
        statements = [(f'SELECT {columns} FROM "{table}" WHERE "{column.column_name}" IN '
                       f'({", ".join("?" * len(chunk))})', chunk) for chunk in chunked(values, _CHUNK)]
    for sql, params in statements:
        for row in db.execute_sql(sql, params).fetchall():
            yield {name: conv(v) if v is not None else None for name, conv, v in zip(names, converters, row)}


def _by_external_id(model, ids, *fields) -> dict[str, dict]:
    """Records of ``model`` whose external_id is one of ``ids``, as dicts by external id."""
    return {rec["external_id"]: rec
            for rec in _records_where_in(model, model.external_id, (i for i in ids if i), fields)}


def _by_id(model, ids, *fields) -> dict[int, dict]:
    return {rec["id"]: rec for rec in _records_where_in(model, model.id, (i for i in ids if i is not None), fields)}


def _billed_batches(kind: str, ids) -> dict[int, str]:
    """Which batch billed each of these sources (ledger kind ``ticket`` or ``expense``)."""
    found: dict[int, str] = {}
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        query = (BilledLedger.select(BilledLedger.source_id, Batch.name).join(Batch)
                 .where((BilledLedger.source_kind == kind) & BilledLedger.source_id.in_(chunk)))
        for source_id, batch_name in query.tuples():
            found[source_id] = batch_name
    return found


def _billed(batches: dict[int, str], source_id: int) -> str:
    name = batches.get(source_id)
    return f"is billed (batch {name!r})" if name else "is billed"


def _named(model, values) -> dict[str, list]:
    """For references that are no external id: the external ids of the records
    with that name (ticket: number), to tell a user what to write instead."""
    column = model.number if model is Ticket else model.name
    found: dict[str, list] = {}
    for rec in _records_where_in(model, column, values, (column, model.external_id), guarded=False):
        found.setdefault(rec[column.name], []).append(rec["external_id"])
    return found


def _ext_label(rec: dict | None) -> str:
    if rec is None:
        return ""
    ext = rec.get("external_id")
    return f" (external_id {ext})" if ext else " (created in batchbill, no external_id)"


class _Resolver:
    """Turns parsed rows into complete field dicts, checking references,
    uniqueness and the billed guard; collects problems on ``parsed``."""

    def __init__(self, parsed: _Parsed, rows: list[_Row], seen: Seen | None = None,
                 created_after: int = 0, existing: dict | None = None):
        self.p = parsed
        self.rows = rows
        self.seen = seen
        self.created_after = created_after  # records with a higher id were written by this import
        self.existing = existing if existing is not None else _by_external_id(
            _MODELS[parsed.kind], [r.values.get("external_id") for r in rows])
        self.columns = {c.name: c for c in SPECS[parsed.kind]}
        self.misnamed: dict[str, dict[str, list]] = {}

    def value(self, row: _Row, name: str, existing: dict | None):
        """The cell's value; an empty optional cell means the default; an absent
        column keeps the stored value (or the default for a new record)."""
        col = self.columns[name]
        if self.p.has(name):
            value = row.values.get(name)
            return col.default if value is None else value
        if existing is not None:
            return existing[name]
        return col.default

    def refs(self, name: str, model, *fields) -> dict[str, dict]:
        if not self.p.has(name):
            return {}
        wanted = {r.values.get(name) for r in self.rows} - {None}
        found = _by_external_id(model, wanted, *fields)
        self.misnamed[name] = _named(model, wanted - set(found))
        return found

    def ref(self, row: _Row, name: str, table: dict, what: str) -> dict | None:
        ext = row.values.get(name)
        if ext is None:
            return None
        rec = table.get(ext)
        if rec is None:
            label = "number" if what == "ticket" else "name"
            owners = self.misnamed.get(name, {}).get(ext)
            if owners and len(owners) == 1 and owners[0]:
                hint = (f"; that is the {label} of the {what} whose external_id is {owners[0]}: "
                        f"write {owners[0]}")
            elif owners:
                hint = f"; that is a {what} {label}: write the {what}'s external_id"
            else:
                hint = f" (import the {what}s first)"
            self.p.problem(row.line, name, f"unknown {what} {ext!r}: no {what} has this external_id{hint}")
        return rec

    def money(self, row: _Row, name: str, existing: dict | None, currency: str | None):
        if self.p.has(name):
            value = row.values.get(name)
            if value is None:
                return self.columns[name].default
            if currency is None:
                return None
            try:
                return to_minor(value, currency)
            except MoneyError:
                self.p.problem(row.line, name, f"{value} has more decimals than {currency} has")
                return None
        if existing is not None:
            return existing[name]
        return self.columns[name].default

    def unique(self, rows_fields: list[tuple[_Row, dict, dict | None]], key, column: str, model,
               where, describe) -> None:
        """Refuse a natural key (name, number) used twice in the file or by another record."""
        first: dict = {}
        for row, fields, existing in rows_fields:
            k = key(fields)
            if None in k:
                continue
            if k in first:
                self.p.problem(row.line, column, f"{describe(k)} appears twice in the file (first on line "
                               f"{first[k]})")
                continue
            first[k] = row.line
        if not first:
            return
        if self.seen is not None:  # the same key on an earlier batch of rows of this file
            tag = f"{self.p.kind}.{column}:"
            earlier = self.seen.find(tag + repr(k) for k in first)
            for row, fields, _ in rows_fields:
                k = key(fields)
                hits = earlier.get(tag + repr(k)) if None not in k else None
                if hits and first.get(k) == row.line:
                    self.p.problem(row.line, column, f"{describe(k)} appears twice in the file (first on "
                                   f"line {hits[0][0]})")
                    first.pop(k)
            self.seen.add((tag + repr(k), line, None, None) for k, line in first.items())
        owners: dict = {}
        key_field, values_of = where  # the natural key's field, and its values in these keys
        for rec in _records_where_in(model, key_field, values_of(list(first)), guarded=False):
            if self.seen is None or rec["id"] <= self.created_after:  # earlier batches: seen above
                owners[key(rec)] = rec
        for row, fields, existing in rows_fields:
            owner = owners.get(key(fields))
            if owner is not None and (existing is None or owner["id"] != existing["id"]):
                self.p.problem(row.line, column, f"{describe(key(fields))} already belongs to another "
                               f"record{_ext_label(owner)}")


def _resolve_customers(r: _Resolver):
    out = []
    for row in r.rows:
        ex = r.existing.get(row.values.get("external_id"))
        fields = {name: r.value(row, name, ex) for name in
                  ("name", "region", "currency", "email", "address", "tax_rate", "active",
                   *CUSTOMER_IDENTITY_FIELDS)}
        email = fields["email"]
        if email and "@" not in email:
            r.p.problem(row.line, "email", f"{email!r} is not an e-mail address")
        _check_identity(r, row, fields)
        out.append((row, fields, ex))
    _unique_customer_names(r, out)
    return out


# The e-invoice fields checked (and normalised: DE 123.456.789 -> DE123456789) as
# `batchbill customer set` checks them.
_IDENTITY_CHECKS = {
    "country_code": identity.optional_country, "vat_id": identity.vat_id,
    "endpoint_scheme": identity.eas_scheme, "vat_category": identity.vat_category,
}


def _check_identity(r: _Resolver, row: _Row, fields: dict) -> None:
    for name, check in _IDENTITY_CHECKS.items():
        if fields.get(name):
            try:
                fields[name] = check(fields[name])
            except ValidationError as exc:
                r.p.problem(row.line, name, f"{fields[name]!r} is not accepted; expected {exc}")
                return
    for name in ("address_line1", "address_line2", "city", "postcode", "buyer_reference", "endpoint_id",
                 "vat_exemption_reason"):
        if "\n" in (fields.get(name) or "") or "\t" in (fields.get(name) or ""):
            r.p.problem(row.line, name, "one line of text, without tabs or line breaks")
            return
    if bool(fields["endpoint_id"]) != bool(fields["endpoint_scheme"]):
        missing = "endpoint_scheme" if fields["endpoint_id"] else "endpoint_id"
        r.p.problem(row.line, missing, "endpoint_id and endpoint_scheme go together: give both or neither")
        return
    category = fields["vat_category"]
    problem = identity.treatment_problem(category, fields["tax_rate"]) if category else None
    if problem:
        r.p.problem(row.line, "vat_category", f"{problem}: give the two columns values that agree")


_SAME = "the same name once case, Unicode forms (NFKC) and invisible characters are ignored"


def _unique_customer_names(r: _Resolver, rows_fields) -> None:
    """Customer names are unique by :func:`store.text.name_key`: 'ACME' next to
    'Acme', or 'Acme' with a zero-width space, is refused naming the other. The
    book's names are in ``r.seen`` (see :func:`remember_customer_names`), with
    the file's earlier rows."""
    first: dict[str, tuple[int, str]] = {}
    for row, fields, _ in rows_fields:
        name = fields["name"]
        if name is None:
            continue
        key = name_key(name)
        if key in first:
            line, other = first[key]
            same = "appears twice in the file" if other == name else f"has {_SAME} as {other!r}"
            r.p.problem(row.line, "name", f"customer name {name!r} {same} (first on line {line})")
            continue
        first[key] = (row.line, name)
    if not first:
        return
    seen = r.seen if r.seen is not None else _book_names()
    earlier = seen.find(f"name:{k}" for k in first)
    renamed = {ex["id"] for _, fields, ex in rows_fields if ex is not None and fields["name"] is not None}
    for row, fields, ex in rows_fields:
        name = fields["name"]
        if name is None or first.get(name_key(name), (None,))[0] != row.line:
            continue
        hits = [h for h in earlier.get(f"name:{name_key(name)}", ())
                if h[1] is None or (h[1] not in renamed and (ex is None or h[1] != ex["id"]))]
        in_file = [h for h in hits if h[0] is not None]
        if in_file:
            other = in_file[0][2]
            same = "appears twice in the file" if other == name else f"has {_SAME} as {other!r}"
            r.p.problem(row.line, "name", f"customer name {name!r} {same} (first on line {in_file[0][0]})")
        elif hits:
            other, ext = json.loads(hits[0][2])
            owner = {"external_id": ext or None}
            same = "already belongs to another record" if other == name else (
                f"is taken: customer {other!r} has {_SAME}")
            r.p.problem(row.line, "name", f"customer name {name!r} {same}{_ext_label(owner)}")
    if r.seen is not None:
        r.seen.add((f"name:{k}", line, None, name) for k, (line, name) in first.items())
    else:
        seen.drop()


def remember_customer_names(seen: Seen) -> None:
    """Every customer of the book under its name key, read as a stream (one pass)."""
    query = Customer.select(Customer.id, Customer.name, Customer.external_id).tuples()
    batch = []
    for cid, name, ext in query.iterator():
        batch.append((f"name:{name_key(name)}", None, cid, json.dumps([name, ext or ""])))
        if len(batch) >= 2000:
            seen.add(batch)
            batch = []
    seen.add(batch)


def _book_names() -> Seen:
    seen = Seen()
    remember_customer_names(seen)
    return seen


# What a contract of each type cannot be billed without; an explicit 0 is accepted.
_TYPE_NEEDS = {
    "hourly": ("hourly_rate",),
    "block_hours": ("block_hours", "block_fee"),
    "per_device": ("device_rate",),
    "project_fixed": ("fixed_fee",),
}


def _resolve_contracts(r: _Resolver):
    customers = r.refs("customer_external_id", Customer, Customer.id, Customer.external_id,
                       Customer.currency, Customer.name)
    out = []
    for row in r.rows:
        ex = r.existing.get(row.values.get("external_id"))
        cust = r.ref(row, "customer_external_id", customers, "customer")
        fields = {name: r.value(row, name, ex) for name in
                  ("name", "type", "billing_period", "start_date", "end_date", "taxable",
                   "block_hours", "device_count", "active")}
        fields["customer"] = cust["id"] if cust else None
        currency = row.values.get("currency") if r.p.has("currency") else None
        if currency is None:
            currency = ex["currency"] if ex is not None and not r.p.has("currency") else (
                cust["currency"] if cust else None)
        fields["currency"] = currency
        for name in ("hourly_rate", "block_fee", "overage_rate", "device_rate", "fixed_fee"):
            fields[name] = r.money(row, name, ex, currency)
        for name in _TYPE_NEEDS.get(fields["type"], ()):
            if (not fields[name] and not row.given(name) and currency is not None
                    and (ex is None or r.p.has(name))):
                r.p.problem(row.line, name, f"required for {fields['type']} contracts (write 0 if it "
                            "really is free)")
        if fields["end_date"] and fields["start_date"] and fields["end_date"] < fields["start_date"]:
            r.p.problem(row.line, "end_date", f"{fields['end_date']} is before start_date "
                        f"{fields['start_date']}")
        out.append((row, fields, ex))
    r.unique(out, lambda f: (f["customer"], f["name"]), "name", Contract,
             (Contract.name, lambda keys: [k[1] for k in keys]),
             lambda k: f"contract name {k[1]!r} of this customer")
    return out


def _resolve_service_items(r: _Resolver):
    contracts = r.refs("contract_external_id", Contract, Contract.id, Contract.external_id, Contract.currency)
    out = []
    for row in r.rows:
        ex = r.existing.get(row.values.get("external_id"))
        con = r.ref(row, "contract_external_id", contracts, "contract")
        fields = {name: r.value(row, name, ex) for name in ("description", "quantity", "active")}
        fields["contract"] = con["id"] if con else None
        fields["unit_price"] = r.money(row, "unit_price", ex, con["currency"] if con else None)
        out.append((row, fields, ex))
    return out


def _resolve_tickets(r: _Resolver):
    customers = r.refs("customer_external_id", Customer, Customer.id, Customer.external_id, Customer.name)
    contracts = r.refs("contract_external_id", Contract, Contract.id, Contract.external_id,
                       Contract.customer, Contract.name)
    batches = _billed_batches("ticket", [e["id"] for e in r.existing.values() if e["status"] == "billed"])
    out = []
    for row in r.rows:
        ex = r.existing.get(row.values.get("external_id"))
        cust = r.ref(row, "customer_external_id", customers, "customer")
        fields = {name: r.value(row, name, ex)
                  for name in ("number", "title", "status", "opened_at", "closed_at")}
        fields["customer"] = cust["id"] if cust else None
        if r.p.has("contract_external_id"):
            con = r.ref(row, "contract_external_id", contracts, "contract")
            fields["contract"] = con["id"] if con else None
            if con and cust and con["customer"] != cust["id"]:
                r.p.problem(row.line, "contract_external_id", f"contract {con['external_id']} "
                            f"({con['name']}) belongs to another customer, not to {cust['name']}")
        else:
            fields["contract"] = ex["contract"] if ex else None
        if (fields["status"] == "closed" and fields["closed_at"] is None and row.values.get("status")
                and not row.given("closed_at")):
            r.p.problem(row.line, "closed_at", "required when status is closed")
        if fields["closed_at"] and fields["opened_at"] and fields["closed_at"] < fields["opened_at"]:
            r.p.problem(row.line, "closed_at", f"{_minutes(fields['closed_at'])} is before opened_at "
                        f"{_minutes(fields['opened_at'])}")
        if ex is not None and ex["status"] == "billed":
            if fields["status"] == "closed":
                fields["status"] = "billed"  # the source says closed; billing made it billed
            if _changes(fields, ex):
                r.p.problem(row.line, "external_id", f"ticket {ex['number']} {_billed(batches, ex['id'])}; "
                            "void its batch first (the row would change it)")
        out.append((row, fields, ex))
    r.unique(out, lambda f: (f["number"],), "number", Ticket,
             (Ticket.number, lambda keys: [k[0] for k in keys]), lambda k: f"ticket number {k[0]!r}")
    return out


def _resolve_time_entries(r: _Resolver):
    tickets = r.refs("ticket_external_id", Ticket, Ticket.id, Ticket.external_id, Ticket.number,
                     Ticket.status)
    old_tickets = _by_id(Ticket, [e["ticket"] for e in r.existing.values()],
                         Ticket.id, Ticket.number, Ticket.status)
    batches = _billed_batches("ticket", [t["id"] for t in [*tickets.values(), *old_tickets.values()]
                                         if t["status"] == "billed"])
    out = []
    for row in r.rows:
        ex = r.existing.get(row.values.get("external_id"))
        tic = r.ref(row, "ticket_external_id", tickets, "ticket")
        fields = {name: r.value(row, name, ex)
                  for name in ("technician", "started_at", "minutes", "billable", "note")}
        fields["ticket"] = tic["id"] if tic else None
        old = old_tickets.get(ex["ticket"]) if ex else None
        if old is not None and old["status"] == "billed":
            if _changes(fields, ex):
                r.p.problem(row.line, "external_id", f"time entry {ex['external_id']} is on ticket "
                            f"{old['number']}, which {_billed(batches, old['id'])}; void its batch first "
                            "(the row would change it)")
        elif tic is not None and tic["status"] == "billed":
            r.p.problem(row.line, "ticket_external_id",
                        f"ticket {tic['number']} {_billed(batches, tic['id'])}; void its batch first "
                        "(time cannot be added to a billed ticket)")
        out.append((row, fields, ex))
    return out


def _resolve_expenses(r: _Resolver):
    contracts = r.refs("contract_external_id", Contract, Contract.id, Contract.external_id,
                       Contract.customer, Contract.currency)
    tickets = r.refs("ticket_external_id", Ticket, Ticket.id, Ticket.external_id, Ticket.customer,
                     Ticket.number)
    billed = _billed_batches("expense", [e["id"] for e in r.existing.values()])
    out = []
    for row in r.rows:
        ex = r.existing.get(row.values.get("external_id"))
        con = r.ref(row, "contract_external_id", contracts, "contract")
        fields = {name: r.value(row, name, ex) for name in ("date", "description", "billable")}
        fields["contract"] = con["id"] if con else None
        fields["customer"] = con["customer"] if con else None
        if r.p.has("ticket_external_id"):
            tic = r.ref(row, "ticket_external_id", tickets, "ticket")
            fields["ticket"] = tic["id"] if tic else None
            if tic and con and tic["customer"] != con["customer"]:
                r.p.problem(row.line, "ticket_external_id", f"ticket {tic['number']} belongs to another "
                            f"customer than contract {con['external_id']}")
        else:
            fields["ticket"] = ex["ticket"] if ex else None
        fields["amount"] = r.money(row, "amount", ex, con["currency"] if con else None)
        if ex is not None and ex["id"] in billed and _changes(fields, ex):
            r.p.problem(row.line, "external_id", f"expense {ex['external_id']} {_billed(billed, ex['id'])}; "
                        "void its batch first (the row would change it)")
        out.append((row, fields, ex))
    return out


_RESOLVERS = {
    "customers": _resolve_customers, "contracts": _resolve_contracts,
    "service-items": _resolve_service_items, "tickets": _resolve_tickets,
    "time-entries": _resolve_time_entries, "expenses": _resolve_expenses,
}


def _minutes(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _same(new, old) -> bool:
    """Equal, text compared after newline normalisation (a CRLF re-save, or a
    CRLF stored by an older version, is no change)."""
    if isinstance(new, str) and isinstance(old, str):
        return normalise_newlines(new) == normalise_newlines(old)
    return new == old


def _changes(fields: dict, existing: dict) -> dict:
    return {k: v for k, v in fields.items() if not _same(v, existing.get(k))}

