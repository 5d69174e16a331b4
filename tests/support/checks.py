"""The format oracle: a checker written from formats.md, independent of the
exporters' code. It reads export files back (CSV with Python's ``csv`` module)
and lists every rule they break; the tests check every export against it.

    problems = check_files("qbo-csv", [path.read_bytes() for path in paths])
    assert not problems, problems
"""
from __future__ import annotations

import csv as _csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Sequence

QBO_HEADER_US = (
    "*InvoiceNo,*Customer,*InvoiceDate,*DueDate,Terms,Location,Memo,Item(Product/Service),"
    "ItemDescription,ItemQuantity,ItemRate,*ItemAmount,Taxable,TaxRate,Service Date"
).split(",")
QBO_HEADER_VAT = (
    "*InvoiceNo,*Customer,*InvoiceDate,*DueDate,Terms,Location,Memo,Item(Product/Service),"
    "ItemDescription,ItemQuantity,ItemRate,*ItemAmount,*ItemTaxCode,ItemTaxAmount,Service Date"
).split(",")
XERO_HEADER = (
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,"
    "PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,InventoryItemCode,"
    "*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TrackingName1,TrackingOption1,"
    "TrackingName2,TrackingOption2,Currency,BrandingTheme"
).split(",")
PLAIN_HEADER = (
    "invoice_number,batch,customer,currency,issue_date,due_date,line_kind,contract,period,"
    "description,quantity,unit_price,amount,taxable,tax,invoice_total"
).split(",")
IIF_TRNS = "!TRNS TRNSID TRNSTYPE DATE ACCNT NAME AMOUNT DOCNUM MEMO TOPRINT NAMEISTAXABLE DUEDATE TERMS".split()
IIF_SPL = "!SPL SPLID TRNSTYPE DATE ACCNT NAME AMOUNT DOCNUM MEMO QNTY PRICE INVITEM TAXABLE EXTRA".split()
IIF_END = ["!ENDTRNS"]
IIF_NAME_LIMIT = 41

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
DATE_FORMATS = {
    "MM/DD/YYYY": (r"^\d\d/\d\d/\d{4}$", "%m/%d/%Y"),
    "DD/MM/YYYY": (r"^\d\d/\d\d/\d{4}$", "%d/%m/%Y"),
    "MM/DD/YY": (r"^\d\d/\d\d/\d\d$", "%m/%d/%y"),
    "YYYY-MM-DD": (r"^\d{4}-\d\d-\d\d$", "%Y-%m-%d"),
}

QBO_FREE_TEXT = ["*InvoiceNo", "*Customer", "Terms", "Location", "Memo", "Item(Product/Service)",
                 "ItemDescription", "*ItemTaxCode"]
XERO_FREE_TEXT = ["*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3",
                  "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber",
                  "Reference", "InventoryItemCode", "*Description", "*AccountCode", "*TaxType",
                  "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2", "BrandingTheme"]
PLAIN_FREE_TEXT = ["invoice_number", "batch", "customer", "contract", "period", "description"]


def check_paths(fmt: str, paths: Iterable[str | Path]) -> list[str]:
    return check_files(fmt, [Path(p).read_bytes() for p in paths])


def check_files(fmt: str, files: Sequence[bytes]) -> list[str]:
    """Every rule of formats.md the files of one export break ([] when they pass).
    Also checks that no invoice is split across files."""
    checker = {"qbo-csv": _check_qbo, "xero-csv": _check_xero, "csv": _check_plain, "qbd-iif": _check_iif}.get(fmt)
    if checker is None:
        return [f"unknown format {fmt!r}"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, data in enumerate(files, 1):
        where = f"file {index}" if len(files) > 1 else "file"
        numbers = checker(data, where, problems)
        for number in numbers:
            if number in seen and seen[number] != index:
                problems.append(f"{where}: invoice {number} is split across files {seen[number]} and {index}")
            seen.setdefault(number, index)
    return problems


# --- helpers --------------------------------------------------------------

def _dec(text: str) -> Decimal | None:
    if not NUMBER.match(text or ""):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - regex guards this
        return None


def _places(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _product_ok(qty: str, rate: str, amount: str) -> bool:
    q, r, a = _dec(qty), _dec(rate), _dec(amount)
    if q is None or r is None or a is None:
        return False
    # exactly: quantity x unit price is the amount, in every currency (no rounding)
    return q * r == a


def _date_formats(values: list[str], allowed: Sequence[str]) -> list[str]:
    """The allowed formats under which every value is a valid date."""
    ok = []
    for name in allowed:
        regex, pattern = DATE_FORMATS[name]
        try:
            if all(re.match(regex, v) and dt.datetime.strptime(v, pattern) for v in values):
                ok.append(name)
        except ValueError:
            continue
    return ok


def _check_line_ends(data: bytes, where: str, problems: list[str]) -> None:
    """Outside quoted fields, every line ends CRLF (RFC 4180)."""
    outside = re.sub(rb'"(?:[^"]|"")*"', b'""', data)
    crlf = outside.count(b"\r\n")
    if outside.count(b"\n") != crlf:
        problems.append(f"{where}: a line ends with LF, not CRLF")
    elif outside.count(b"\r") != crlf:
        problems.append(f"{where}: a bare CR outside quotes")
    if data and not data.endswith(b"\r\n"):
        problems.append(f"{where}: the last line does not end with CRLF")


def _read_csv(data: bytes, where: str, problems: list[str]) -> list[list[str]] | None:
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{where}: starts with a UTF-8 BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{where}: not UTF-8 ({exc})")
        return None
    _check_line_ends(data, where, problems)
    try:
        return list(_csv.reader(io.StringIO(text, newline=""), strict=True))
    except _csv.Error as exc:
        problems.append(f"{where}: not parseable as CSV: {exc}")
        return None


def _check_table(
    data: bytes, where: str, problems: list[str], *, headers: Sequence[Sequence[str]], required: Sequence[str],
    free_text: Sequence[str], number_key: str, invoice_cols: Sequence[str], dates: Sequence[str],
    allowed_dates: Sequence[str], max_rows: int | None = None, max_invoices: int | None = None,
) -> tuple[list[str], list[dict[str, str]]]:
    rows = _read_csv(data, where, problems)
    if rows is None:
        return [], []
    if not rows:
        problems.append(f"{where}: empty file (no header row)")
        return [], []
    header = rows[0]
    if header not in [list(h) for h in headers]:
        problems.append(f"{where}: header is {','.join(header)!r}, expected {','.join(headers[0])!r}")
        return [], []
    records = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            problems.append(f"{where} line {n}: {len(row)} fields, the header has {len(header)}")
            continue
        rec = dict(zip(header, row))
        rec["__line__"] = str(n)
        records.append(rec)
        for col in required:
            if col in rec and not rec[col].strip():
                problems.append(f"{where} line {n}: required {col} is empty")
        for col in free_text:
            if col in rec and rec[col].startswith(TRIGGERS):
                problems.append(f"{where} line {n}: {col} {rec[col]!r} starts with a formula character")
    if max_rows is not None and len(records) > max_rows:
        problems.append(f"{where}: {len(records)} rows, the limit is {max_rows} per file")
    order: list[str] = []
    first: dict[str, dict[str, str]] = {}
    for rec in records:
        number = rec[number_key]
        if number not in first:
            first[number] = rec
            order.append(number)
        else:
            if order[-1] != number:
                problems.append(f"{where} line {rec['__line__']}: rows of invoice {number} are not together")
            for col in invoice_cols:
                if rec[col] != first[number][col]:
                    problems.append(
                        f"{where} line {rec['__line__']}: {col} {rec[col]!r} differs from the invoice's "
                        f"first row {first[number][col]!r}"
                    )
    if max_invoices is not None and len(order) > max_invoices:
        problems.append(f"{where}: {len(order)} invoices, the limit is {max_invoices} per file")
    values = [rec[c] for rec in records for c in dates if rec[c]]
    if values and not _date_formats(values, allowed_dates):
        problems.append(f"{where}: dates are not all in one of the formats {', '.join(allowed_dates)}")
    return order, records


# --- formats --------------------------------------------------------------

def _check_qbo(data: bytes, where: str, problems: list[str]) -> list[str]:
    order, records = _check_table(
        data, where, problems, headers=[QBO_HEADER_US, QBO_HEADER_VAT],
        required=["*InvoiceNo", "*Customer", "*InvoiceDate", "*DueDate", "*ItemAmount", "*ItemTaxCode"],
        free_text=QBO_FREE_TEXT, number_key="*InvoiceNo",
        invoice_cols=["*Customer", "*InvoiceDate", "*DueDate", "Terms", "Location", "Memo"],
        dates=["*InvoiceDate", "*DueDate", "Service Date"],
        allowed_dates=["MM/DD/YYYY", "DD/MM/YYYY", "MM/DD/YY", "YYYY-MM-DD"],
        max_rows=1000, max_invoices=100,
    )
    for rec in records:
        line = f"{where} line {rec['__line__']}"
        if len(rec["*InvoiceNo"]) > 21:
            problems.append(f"{line}: invoice number {rec['*InvoiceNo']!r} is longer than 21 characters")
        for col in ("ItemQuantity", "ItemRate", "*ItemAmount", "ItemTaxAmount"):
            value = rec.get(col, "")
            if not value:
                continue
            number = _dec(value)
            if number is None:
                problems.append(f"{line}: {col} {value!r} is not a plain number")
            elif number < 0:
                problems.append(f"{line}: {col} {value} is negative")
        if rec["ItemQuantity"] or rec["ItemRate"]:
            if not _product_ok(rec["ItemQuantity"], rec["ItemRate"], rec["*ItemAmount"]):
                problems.append(
                    f"{line}: *ItemAmount {rec['*ItemAmount']} is not ItemQuantity {rec['ItemQuantity']} "
                    f"x ItemRate {rec['ItemRate']}"
                )
        if "Taxable" in rec and rec["Taxable"] not in ("Y", "N", ""):
            problems.append(f"{line}: Taxable {rec['Taxable']!r} is not Y or N")
    return order


def _check_xero(data: bytes, where: str, problems: list[str]) -> list[str]:
    required = [c for c in XERO_HEADER if c.startswith("*")]
    order, records = _check_table(
        data, where, problems, headers=[XERO_HEADER], required=required,
        free_text=XERO_FREE_TEXT, number_key="*InvoiceNumber",
        invoice_cols=["*ContactName", "*InvoiceDate", "*DueDate", "Currency"],
        dates=["*InvoiceDate", "*DueDate"], allowed_dates=["DD/MM/YYYY", "MM/DD/YYYY"],
        max_rows=500,
    )
    for rec in records:
        line = f"{where} line {rec['__line__']}"
        for col in ("*Quantity", "*UnitAmount", "Discount"):
            if rec[col] and _dec(rec[col]) is None:
                problems.append(f"{line}: {col} {rec[col]!r} is not a plain number")
        if not re.fullmatch(r"[A-Z]{3}", rec["Currency"]):
            problems.append(f"{line}: Currency {rec['Currency']!r} is not an ISO 4217 code")
    return order


def _check_plain(data: bytes, where: str, problems: list[str]) -> list[str]:
    order, records = _check_table(
        data, where, problems, headers=[PLAIN_HEADER],
        required=["invoice_number", "customer", "currency", "issue_date", "due_date", "line_kind",
                  "quantity", "unit_price", "amount", "taxable", "tax", "invoice_total"],
        free_text=PLAIN_FREE_TEXT, number_key="invoice_number",
        invoice_cols=["batch", "customer", "currency", "issue_date", "due_date", "tax", "invoice_total"],
        dates=["issue_date", "due_date"], allowed_dates=["YYYY-MM-DD"],
    )
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for rec in records:
        line = f"{where} line {rec['__line__']}"
        bad = [c for c in ("quantity", "unit_price", "amount", "tax", "invoice_total") if _dec(rec[c]) is None]
        if bad:
            problems.append(f"{line}: {', '.join(bad)} not plain numbers")
            continue
        if not _product_ok(rec["quantity"], rec["unit_price"], rec["amount"]):
            problems.append(
                f"{line}: amount {rec['amount']} is not quantity {rec['quantity']} x unit price {rec['unit_price']}"
            )
        if len({_places(rec[c]) for c in ("unit_price", "amount", "tax", "invoice_total")}) != 1:
            problems.append(f"{line}: amounts do not all have the currency's number of decimals")
        if rec["taxable"] not in ("yes", "no"):
            problems.append(f"{line}: taxable {rec['taxable']!r} is not yes or no")
        sums[rec["invoice_number"]] += Decimal(rec["amount"])
    first = {}
    for rec in records:
        first.setdefault(rec["invoice_number"], rec)
    for number in order:
        rec = first[number]
        if _dec(rec["tax"]) is not None and _dec(rec["invoice_total"]) is not None:
            if sums[number] + Decimal(rec["tax"]) != Decimal(rec["invoice_total"]):
                problems.append(
                    f"{where}: invoice {number}: lines {sums[number]} + tax {rec['tax']} != total {rec['invoice_total']}"
                )
    return order


def _check_iif(data: bytes, where: str, problems: list[str]) -> list[str]:
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{where}: starts with a UTF-8 BOM")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        problems.append(f"{where}: not cp1252 ({exc})")
        return []
    if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
        problems.append(f"{where}: line ends are not all CRLF (or a field holds CR/LF)")
    if not text.endswith("\r\n"):
        problems.append(f"{where}: the last line does not end with CRLF")
    lines = text.split("\r\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows = [ln.split("\t") for ln in lines]
    if rows[:3] != [IIF_TRNS, IIF_SPL, IIF_END]:
        problems.append(f"{where}: the first three rows are not the !TRNS, !SPL, !ENDTRNS headers of formats.md")
        return []
    widths = {"TRNS": len(IIF_TRNS), "SPL": len(IIF_SPL), "ENDTRNS": len(IIF_END)}
    numbers: list[str] = []
    dates: list[str] = []
    block: list[dict[str, str]] | None = None
    for n, row in enumerate(rows[3:], 4):
        line = f"{where} line {n}"
        kind = row[0]
        if kind not in widths:
            problems.append(f"{line}: unexpected row type {kind!r}")
            continue
        if len(row) != widths[kind]:
            problems.append(f"{line}: {kind} row has {len(row)} fields, its header has {widths[kind]}")
            continue
        if kind == "TRNS":
            if block is not None:
                problems.append(f"{line}: TRNS before the previous block's ENDTRNS")
            rec = dict(zip(IIF_TRNS, row), __line__=str(n))
            block = [rec]
            numbers.append(rec["DOCNUM"])
            dates.extend(v for v in (rec["DATE"], rec["DUEDATE"]) if v)
            for col in ("DATE", "ACCNT", "NAME", "AMOUNT", "DOCNUM"):
                if not rec[col]:
                    problems.append(f"{line}: TRNS {col} is empty")
            if rec["TRNSTYPE"] != "INVOICE":
                problems.append(f"{line}: TRNSTYPE {rec['TRNSTYPE']!r} is not INVOICE")
            if len(rec["NAME"]) > IIF_NAME_LIMIT:
                problems.append(f"{line}: TRNS NAME is {len(rec['NAME'])} characters, QuickBooks Desktop "
                                f"takes {IIF_NAME_LIMIT}")
            amount = _dec(rec["AMOUNT"])
            if amount is None or amount < 0:
                problems.append(f"{line}: TRNS AMOUNT {rec['AMOUNT']!r} is not the positive invoice total")
        elif kind == "SPL":
            if block is None:
                problems.append(f"{line}: SPL outside a TRNS block")
                continue
            rec = dict(zip(IIF_SPL, row), __line__=str(n))
            block.append(rec)
            trns = block[0]
            if rec["TRNSTYPE"] != "INVOICE":
                problems.append(f"{line}: TRNSTYPE {rec['TRNSTYPE']!r} is not INVOICE")
            if rec["DATE"] != trns["DATE"]:
                problems.append(f"{line}: SPL DATE {rec['DATE']} differs from TRNS DATE {trns['DATE']}")
            if not rec["ACCNT"]:
                problems.append(f"{line}: SPL ACCNT is empty")
            if _dec(rec["AMOUNT"]) is None:
                problems.append(f"{line}: SPL AMOUNT {rec['AMOUNT']!r} is not a plain number")
            if rec["QNTY"]:
                qty, price = _dec(rec["QNTY"]), _dec(rec["PRICE"])
                if qty is None or qty > 0:
                    problems.append(f"{line}: QNTY {rec['QNTY']!r} is not negative")
                if price is None or price < 0:
                    problems.append(f"{line}: PRICE {rec['PRICE']!r} is not positive")
                if not _product_ok(rec["QNTY"], rec["PRICE"], rec["AMOUNT"]):
                    problems.append(f"{line}: AMOUNT {rec['AMOUNT']} is not QNTY {rec['QNTY']} x PRICE {rec['PRICE']}")
        else:
            if block is None:
                problems.append(f"{line}: ENDTRNS without a TRNS")
                continue
            if len(block) < 2:
                problems.append(f"{line}: block of {block[0]['DOCNUM']} has no SPL row")
            elif block[-1].get("EXTRA") != "AUTOSTAX":
                problems.append(f"{line}: block of {block[0]['DOCNUM']} does not end with the sales-tax SPL "
                                "line (EXTRA AUTOSTAX)")
            if any(r.get("EXTRA") == "AUTOSTAX" for r in block[1:-1]):
                problems.append(f"{line}: block of {block[0]['DOCNUM']} has AUTOSTAX on a line that is not "
                                "its last")
            total = sum((_dec(r["AMOUNT"]) or Decimal(0)) for r in block)
            if total != 0:
                problems.append(f"{line}: block of {block[0]['DOCNUM']} sums to {total}, not zero")
            block = None
    if block is not None:
        problems.append(f"{where}: the last block has no ENDTRNS")
    if dates and not _date_formats(dates, ["MM/DD/YYYY", "MM/DD/YY", "DD/MM/YYYY", "YYYY-MM-DD"]):
        problems.append(f"{where}: dates are not all in one format")
    return numbers
