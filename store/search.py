"""Search over invoices and batches: invoice number, customer, batch name,
line text and amounts, newest first, paged.

On SQLite an FTS5 table (``invoice_fts``, rowid = invoice id) and on
PostgreSQL a ``tsvector`` column with a GIN index. Both are written by
:func:`index_invoices` inside the transaction that saves the invoices.
"""
from __future__ import annotations

import re

from peewee import fn

from store.db import db, is_postgres, sql_fold
from store.domain import SearchHit
from store.models import Batch, Customer, Invoice, InvoiceLine
from store.money import exponent
from store.rows import as_date
from store.text import umlaut_readings

PAGE_SIZE = 20
_TOKEN = re.compile(r"[0-9A-Za-z\u00C0-\uFFFF]+")


def create_search_index(database) -> None:
    if is_postgres(database):
        database.execute_sql(
            "CREATE TABLE IF NOT EXISTS invoice_search ("
            " invoice_id BIGINT PRIMARY KEY REFERENCES invoice(id) ON DELETE CASCADE,"
            " document TEXT NOT NULL,"
            " tsv TSVECTOR NOT NULL)"
        )
        database.execute_sql(
            "CREATE INDEX IF NOT EXISTS invoice_search_tsv ON invoice_search USING GIN (tsv)"
        )
    else:
        database.execute_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS invoice_fts USING fts5("
            "number, customer, batch, body, amounts, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def _amount_forms(minor: int, currency: str) -> str:
    text = _plain_minor(minor, currency)
    return f"{text} {text.replace('.', '')}"


def _plain_minor(minor: int, currency: str) -> str:
    """format_minor's text ('1234.50'), by integer arithmetic: the index holds
    every line's amount, so this runs for each line of a saved batch."""
    exp = exponent(currency)
    minor = int(minor)
    if exp == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10 ** exp)
    return f"{sign}{whole}.{part:0{exp}d}"


def index_invoices(invoice_ids: list[int]) -> None:
    """(Re)index these invoices from the database. Call inside the transaction
    that wrote them (the save path uses :func:`write_index` directly)."""
    if not invoice_ids:
        return
    for start in range(0, len(invoice_ids), 500):
        chunk = invoice_ids[start : start + 500]
        rows = (
            Invoice.select(
                Invoice.id, Invoice.number, Invoice.currency, Invoice.total,
                Invoice.subtotal, Customer.name, Batch.name.alias("batch_name"),
            )
            .join(Customer).switch(Invoice).join(Batch)
            .where(Invoice.id.in_(chunk))
            .dicts()
        )
        headers = {row["id"]: row for row in rows}
        lines: dict[int, list[tuple[str, int]]] = {i: [] for i in chunk}
        for inv_id, desc, amount in (
            InvoiceLine.select(InvoiceLine.invoice, InvoiceLine.description, InvoiceLine.amount)
            .where(InvoiceLine.invoice.in_(chunk))
            .tuples()
        ):
            lines[inv_id].append((desc, amount))
        write_index(
            search_record(inv_id, h["number"], h["name"], h["batch_name"], h["currency"],
                          h["subtotal"], h["total"], lines[inv_id])
            for inv_id, h in headers.items()
        )


def search_record(invoice_id, number, customer, batch, currency, subtotal, total, lines):
    """The index row of one invoice; ``lines`` are (description, amount) pairs."""
    amounts = [_amount_forms(total, currency), _amount_forms(subtotal, currency)]
    amounts.extend(_amount_forms(amount, currency) for _, amount in lines)
    body = " ".join(desc for desc, _ in lines)
    return (invoice_id, number, customer, batch, body, " ".join(amounts))


def write_index(records) -> None:
    """Replace the index rows of these invoices (records from :func:`search_record`)."""
    database = db.obj
    records = list(records)
    if not records:
        return
    ids = [r[0] for r in records]
    if is_postgres(database):
        from store.pgdriver import extras

        execute_values = extras().execute_values

        database.execute_sql("DELETE FROM invoice_search WHERE invoice_id = ANY(%s)", (ids,))
        cursor = database.cursor()
        execute_values(
            cursor,
            "INSERT INTO invoice_search (invoice_id, document, tsv) VALUES %s",
            [(r[0], " ".join(r[1:]), _pg_normalise(" ".join(r[1:]))) for r in records],
            template="(%s, %s, to_tsvector('simple', %s))",
            page_size=500,
        )
    else:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            database.execute_sql(f"DELETE FROM invoice_fts WHERE rowid IN ({marks})", chunk)
        database.cursor().executemany(
            "INSERT INTO invoice_fts (rowid, number, customer, batch, body, amounts) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            records,
        )


def _pg_normalise(text: str) -> str:
    """The words PostgreSQL indexes: lower case, accents dropped (as SQLite's
    unicode61 remove_diacritics does), so that 'zoe' finds Zoë on both."""
    return " ".join(_TOKEN.findall(fold(text)))


def query_tokens(query: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(query.replace(",", ""))]


def word_forms(word: str) -> list[str]:
    """The folded texts a query word matches: the word folded, and the words its
    ae/oe/ue/ss may be the reading of (:func:`store.text.umlaut_readings`):
    'koehler' -> ['koehler', 'kohler'], so that it finds Köhler as 'kohler' does."""
    return list(dict.fromkeys(fold(r) for r in umlaut_readings(fold(word))))


def query_words(query: str) -> list[list[str]]:
    """Each word of the query (commas as spaces) as its :func:`word_forms`."""
    return [word_forms(w) for w in (query or "").replace(",", " ").split()]


def has_word(forms: list[str], text: str) -> bool:
    """One of a query word's forms is in the (folded) text."""
    return any(f in text for f in forms)


def _fts5_expression(query: str) -> str:
    """Each word of the query a quoted phrase with a prefix match, all required;
    a word one of several phrases (its umlaut readings, as typed: the index's
    unicode61 drops accents but keeps ß)."""
    parts = []
    for word in query.replace(",", "").split():
        forms = dict.fromkeys([word.lower(), *umlaut_readings(fold(word))])
        phrases = ['"' + " ".join(tokens) + '"*' for tokens in (_TOKEN.findall(f) for f in forms) if tokens]
        phrases = list(dict.fromkeys(phrases))
        if len(phrases) == 1:
            parts.append(phrases[0])
        elif phrases:
            parts.append("(" + " OR ".join(phrases) + ")")
    return " AND ".join(parts)


_NUMBER_QUERY = re.compile(r"([^\W\d_]*)[-\s#]*0*(\d{1,18})")


def number_matches(query: str) -> list[int]:
    """Invoices whose number the query names without its zeros or its prefix:
    "150", "ns150", "NS-150" or "ns 000150" is NS-000150 (the letters, when
    given, start the prefix, case-blind). The word index holds "000150": a
    prefix search for "150" never found it."""
    match = _NUMBER_QUERY.fullmatch(fold((query or "").strip()))
    if match is None:
        return []
    letters, digits = match.groups()
    out = []
    for inv_id, number in (Invoice.select(Invoice.id, Invoice.number)
                           .where(Invoice.sequence == int(digits)).tuples()):
        head = re.match(r"(.*?)0*(\d+)$", number)
        if head is None or head.group(2) != str(int(digits)):
            continue
        if letters and not "".join(_TOKEN.findall(fold(head.group(1)))).startswith(letters):
            continue
        out.append(inv_id)
    return out


def resolve_invoice_number(text: str) -> str:
    """The stored number of the invoice ``text`` names, as the search reads a
    number: the whole number in any case ("ns-000150"), or its digits with or
    without zeros and prefix ("150", "ns150", "NS-150") when that names exactly
    one invoice. NotFoundError for none; ValidationError naming the candidates
    when several invoices carry those digits (give the whole number)."""
    from store.errors import NotFoundError, ValidationError

    wanted = (text or "").strip()
    if not wanted:
        raise NotFoundError("no invoice number given")
    exact = Invoice.get_or_none(Invoice.number == wanted)
    if exact is None:
        exact = Invoice.get_or_none(fn.LOWER(Invoice.number) == wanted.lower())
    if exact is not None:
        return exact.number
    ids = number_matches(wanted)
    if not ids:
        raise NotFoundError(f"no invoice {wanted}")
    numbers = sorted(n for (n,) in Invoice.select(Invoice.number).where(Invoice.id.in_(ids)).tuples())
    if len(numbers) > 1:
        shown = ", ".join(numbers[:5]) + (", ..." if len(numbers) > 5 else "")
        raise ValidationError(f"invoice {wanted!r} is ambiguous: {len(numbers)} invoices carry it "
                              f"({shown}); give the whole number")
    return numbers[0]


def matching_invoice_ids(query: str, limit: int, offset: int = 0, by_number: list[int] | None = None) -> list[int]:
    """Ids of matching invoices, newest first (highest id first); an invoice
    named by its number's digits (:func:`number_matches`, or ``by_number`` when
    the caller has them) first."""
    by_number = number_matches(query) if by_number is None else by_number
    if not by_number:
        return _indexed_invoice_ids(query, limit, offset)
    first = by_number[offset:offset + limit]
    rest = _indexed_invoice_ids(query, limit + len(by_number), max(0, offset - len(by_number)))
    return (first + [i for i in rest if i not in by_number])[:limit]


def _indexed_invoice_ids(query: str, limit: int, offset: int = 0) -> list[int]:
    database = db.obj
    if is_postgres(database):
        tokens = query_tokens(query)
        if not tokens:
            return []
        sql, params = pg_search_statement(tokens, limit, offset)
        cursor = database.execute_sql(sql, params)
        return [r[0] for r in cursor.fetchall()]
    expression = _fts5_expression(query)
    if not expression:
        return []
    cursor = database.execute_sql(
        "SELECT rowid FROM invoice_fts WHERE invoice_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?",
        (expression, limit, offset),
    )
    return [r[0] for r in cursor.fetchall()]


def _pg_tsquery(tokens: list[str]) -> str:
    """Every word a prefix match, all required: a word folded or one of its
    umlaut readings folded (koehler: kohler, as the index holds Köhler), or as
    typed (an index row written before words were folded)."""
    terms = []
    for t in tokens:
        forms = [t, *(f for f in word_forms(t) if f != t)]
        if len(forms) == 1:
            terms.append(f"{t}:*")
            continue
        alternatives = ["&".join(_TOKEN.findall(f)) + ":*" for f in forms[1:] if _TOKEN.findall(f)]
        terms.append("(" + " | ".join([*alternatives, f"{t}:*"]) + ")")
    return " & ".join(terms)


def rare_word(token: str) -> bool:
    """A word few invoices hold: the digits of an invoice number (zero-padded,
    whole or cut: 000150, 0001) or of an amount of five digits or more. A year
    (2026) or a short number is in thousands of invoices' text."""
    return token.isdigit() and (len(token) >= 5 or (len(token) >= 4 and token[0] == "0"))


_PG_SEARCH = ("SELECT invoice_id FROM invoice_search WHERE tsv @@ to_tsquery('simple', %s) "
              "ORDER BY invoice_id DESC LIMIT %s OFFSET %s")
# The GIN index read for the rare words alone, their few rows then checked against
# every word and sorted. The whole query through the index (ns:* & 000150:*) reads
# the posting list of the number's prefix, which every invoice holds (15 ms on the
# 2,000-customer book), and the planner, taking the prefix match for a common word,
# walked the primary key backwards from the newest invoice instead, testing each
# row: 285 ms a query on the 10,000-customer book (docs/performance.md,
# "PostgreSQL (issue 16)").
_PG_SEARCH_RARE = ("WITH hit AS MATERIALIZED (SELECT invoice_id, tsv FROM invoice_search "
                   "WHERE tsv @@ to_tsquery('simple', %s)) "
                   "SELECT invoice_id FROM hit WHERE tsv @@ to_tsquery('simple', %s) "
                   "ORDER BY invoice_id DESC LIMIT %s OFFSET %s")


def pg_search_statement(tokens: list[str], limit: int, offset: int = 0) -> tuple[str, tuple]:
    """The statement and parameters that find these query words on PostgreSQL,
    newest first: the GIN matches of the query's rare words first when it has any
    (:func:`rare_word`), else the plain form (a common word's matches are many; the
    newest come first by the primary key)."""
    rare = [t for t in tokens if rare_word(t)]
    if rare:
        return _PG_SEARCH_RARE, (_pg_tsquery(rare), _pg_tsquery(tokens), limit, offset)
    return _PG_SEARCH, (_pg_tsquery(tokens), limit, offset)


MATCH_CAP = 5000  # invoices a list filter looks at (newest first): enough to find their batches


def fold(text: str) -> str:
    """Text for matching: accents dropped, case folded (Ü -> u, ß -> ss); the
    same function is SQLite's bb_fold() (store.db.sql_fold)."""
    return sql_fold(text or "")


def matching_batch_ids(query: str, limit: int, offset: int = 0, *, by_invoices: bool = True) -> list[int]:
    """Ids of the batches the query finds, newest first: every word of it in the
    batch's name or period (accent- and case-blind, anywhere in the text), or,
    with ``by_invoices``, a batch holding an invoice the query finds as ``/`` does
    (its number, e.g. NS-000150 or 000150 inside the batch's range, its customer,
    its lines). Drafts have no invoices: they are found by name or period."""
    _, found = batch_matches(query, by_invoices=by_invoices)
    return sorted(found, reverse=True)[offset:offset + limit]


def batch_matches(query: str, *, by_invoices: bool = True) -> tuple[set[int], set[int]]:
    """(the batches the query names by name or period, those and, with
    ``by_invoices``, the batches holding an invoice it finds): what
    :func:`matching_batch_ids` pages, and what a list ranks by (the named first)."""
    words = query_words(query)
    if not words:
        return set(), set()
    named = set()
    for batch_id, name, period in Batch.select(Batch.id, Batch.name, Batch.period).tuples():
        text = fold(f"{name} {period}")
        if all(has_word(forms, text) for forms in words):
            named.add(batch_id)
    found = set(named)
    if by_invoices:
        ids = matching_invoice_ids(query, MATCH_CAP)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found.update(b for (b,) in Invoice.select(Invoice.batch).where(Invoice.id.in_(chunk))
                         .distinct().tuples())
    return named, found


def _hit_rows(ids: list[int]) -> dict[int, dict]:
    """id -> {id, number, currency, total, issue_date, status, name (the customer's),
    batch_name} of these invoices (the keys of the joined Peewee query it replaces). The names are looked up row by row (20 index look-ups): joined, the
    planner hashed the whole customer table for a page of hits (5 ms on the
    2,000-customer book on PostgreSQL, growing with the customers)."""
    if not ids:
        return {}
    database = db.obj
    if is_postgres(database):
        where, params = "i.id = ANY(%s)", (list(ids),)
    else:
        where, params = f"i.id IN ({', '.join('?' * len(ids))})", tuple(ids)
    cursor = database.execute_sql(
        "SELECT i.id, i.number, i.currency, i.total, i.issue_date, i.status, "
        "(SELECT c.name FROM customer c WHERE c.id = i.customer_id), "
        "(SELECT b.name FROM batch b WHERE b.id = i.batch_id) "
        f"FROM invoice i WHERE {where}", params)
    return {r[0]: {"id": r[0], "number": r[1], "currency": r[2], "total": int(r[3]), "issue_date": as_date(r[4]),
                   "status": r[5], "name": r[6], "batch_name": r[7]} for r in cursor.fetchall()}


def search(query: str, page: int = 0, page_size: int = PAGE_SIZE) -> list[SearchHit]:
    """Invoices and batches matching the query, newest first.

    Batches (by name or period) come first on page 0; invoices follow. On
    PostgreSQL one statement (:func:`_search_postgres`), on SQLite a few
    (:func:`_search_by_parts`; each is a call into the same process there).
    """
    query = (query or "").strip()
    if not query:
        return []
    if is_postgres(db.obj):
        return _search_postgres(query, page, page_size)
    return _search_by_parts(query, page, page_size)


def _batch_hit(batch_id, name, period, status, created_at, words) -> SearchHit:
    in_name = [forms for forms in words if has_word(forms, fold(name))]
    matched = "name" if len(in_name) == len(words) else ("period" if not in_name else "name, period")
    return SearchHit(kind="batch", key=str(batch_id), title=name,
                     subtitle=f"{period} · {status}", date=created_at.date(), matched=matched)


def _invoice_hit(r: dict, matched: str) -> SearchHit:
    return SearchHit(kind="invoice", key=r["number"], title=f"{r['number']} {r['name']}",
                     subtitle=f"{r['status']} · {r['batch_name']}",
                     currency=r["currency"], amount=r["total"], date=r["issue_date"], matched=matched)


def _number_query(query: str) -> tuple[str, int] | None:
    """(letters, sequence) when the query may name an invoice by its number's
    digits (:func:`number_matches`), else None."""
    match = _NUMBER_QUERY.fullmatch(fold((query or "").strip()))
    if match is None:
        return None
    letters, digits = match.groups()
    return letters, int(digits)


def _number_names(number: str, letters: str, sequence: int) -> bool:
    """The invoice number is the one :func:`number_matches` finds for these letters and digits."""
    head = re.match(r"(.*?)0*(\d+)$", number)
    if head is None or head.group(2) != str(sequence):
        return False
    return not letters or "".join(_TOKEN.findall(fold(head.group(1)))).startswith(letters)


# One statement for a page of `/` on PostgreSQL: the batches (page 0: all of them,
# filtered here as matching_batch_ids does), the invoice carrying the number's digits
# (sequence is unique: at most one), and the index's page of hits with their rows
# and lines' text (for the Where column). Columns: part, id, text1 (batch name or
# invoice number), text2 (period or currency), status, created_at, total,
# issue_date, customer name, batch name, lines' text.
_PG_ONE_BATCHES = ("SELECT 0, b.id, b.name, b.period, b.status, b.created_at, NULL::bigint, NULL::date, "
                   "NULL::text, NULL::text, NULL::text FROM batch b")
_PG_ONE_INVOICE = ("i.id, i.number, i.currency, i.status, NULL::timestamp, i.total::bigint, i.issue_date, "
                   "(SELECT c.name FROM customer c WHERE c.id = i.customer_id), "
                   "(SELECT b.name FROM batch b WHERE b.id = i.batch_id), ")
_PG_ONE_NUMBER = f"SELECT 1, {_PG_ONE_INVOICE}NULL::text FROM invoice i WHERE i.sequence = %s"
_PG_ONE_PAGE = (f"SELECT 2, {_PG_ONE_INVOICE}"
                "(SELECT string_agg(l.description, E'\\n') FROM invoice_line l WHERE l.invoice_id = i.id) "
                "FROM page p JOIN invoice i ON i.id = p.invoice_id")
_PG_ONE_PAGE_PLAIN = ("page AS (SELECT invoice_id FROM invoice_search WHERE tsv @@ to_tsquery('simple', %s) "
                      "ORDER BY invoice_id DESC LIMIT %s OFFSET %s)")
_PG_ONE_PAGE_RARE = ("hit AS MATERIALIZED (SELECT invoice_id, tsv FROM invoice_search "
                     "WHERE tsv @@ to_tsquery('simple', %s)), "
                     "page AS (SELECT invoice_id FROM hit WHERE tsv @@ to_tsquery('simple', %s) "
                     "ORDER BY invoice_id DESC LIMIT %s OFFSET %s)")


def pg_one_statement(query: str, page: int, page_size: int) -> tuple[str, tuple, int]:
    """The statement of :func:`_search_postgres`, its parameters, and the offset of the
    index page it reads (the page reaches one row either side of the asked one when
    the query can name an invoice by its number: whether that invoice comes first is
    decided here, after the statement, as number_matches decides)."""
    parts, params, ctes = [], [], []
    if page == 0:
        parts.append(_PG_ONE_BATCHES)
    number = _number_query(query)
    if number is not None:
        parts.append(_PG_ONE_NUMBER)
        params.append(number[1])
    offset, limit = page * page_size, page_size
    index_offset = offset
    tokens = query_tokens(query)
    if tokens:
        if number is not None:
            index_offset, limit = max(0, offset - 1), page_size + 2
        rare = [t for t in tokens if rare_word(t)]
        if rare:
            ctes.append(_PG_ONE_PAGE_RARE)
            cte_params = [_pg_tsquery(rare), _pg_tsquery(tokens), limit, index_offset]
        else:
            ctes.append(_PG_ONE_PAGE_PLAIN)
            cte_params = [_pg_tsquery(tokens), limit, index_offset]
        parts.append(_PG_ONE_PAGE)
        params = cte_params + params
    if not parts:
        return "", (), index_offset
    sql = ("WITH " + ", ".join(ctes) + " " if ctes else "") + " UNION ALL ".join(f"({p})" for p in parts)
    return sql, tuple(params), index_offset


def _search_postgres(query: str, page: int, page_size: int) -> list[SearchHit]:
    """:func:`_search_by_parts`'s hits, in its order, from one statement."""
    sql, params, index_offset = pg_one_statement(query, page, page_size)
    if not sql:
        return []
    words = query_words(query)
    batches, number_rows, index_ids, rows, line_text = [], [], [], {}, {}
    for r in db.obj.execute_sql(sql, params).fetchall():
        if r[0] == 0:
            batches.append(r)
            continue
        rows[r[1]] = {"id": r[1], "number": r[2], "currency": r[3], "total": int(r[6]),
                      "issue_date": as_date(r[7]), "status": r[4], "name": r[8], "batch_name": r[9]}
        if r[0] == 1:
            number_rows.append(r)
        else:
            index_ids.append(r[1])
            line_text[r[1]] = r[10] or ""
    hits: list[SearchHit] = []
    if page == 0:
        found = [b for b in batches if all(has_word(forms, fold(f"{b[2]} {b[3]}")) for forms in words)]
        for b in sorted(found, key=lambda b: b[1], reverse=True)[:5]:
            hits.append(_batch_hit(b[1], b[2], b[3], b[4], b[5], words))
    number = _number_query(query)
    by_number = [r[1] for r in number_rows if number is not None and _number_names(r[2], *number)]
    offset = page * page_size
    index_ids.sort(reverse=True)  # the index's order: newest first
    start = max(0, offset - len(by_number)) - index_offset
    rest = index_ids[start:start + page_size + len(by_number)]
    ids = (by_number[offset:offset + page_size] + [i for i in rest if i not in by_number])[:page_size]
    if ids:
        page_rows = {i: rows[i] for i in ids}
        matched = _matched_fields(query, page_rows, set(by_number), line_text)
        hits.extend(_invoice_hit(page_rows[i], matched.get(i, "")) for i in ids)
    return hits


def _search_by_parts(query: str, page: int = 0, page_size: int = PAGE_SIZE) -> list[SearchHit]:
    """:func:`search` in several statements: the batches, the number, the index, the page's rows."""
    hits: list[SearchHit] = []
    words = query_words(query)
    if page == 0:
        ids = matching_batch_ids(query, 5, by_invoices=False)
        batches = Batch.select().where(Batch.id.in_(ids)).order_by(Batch.id.desc()) if ids else []
        for b in batches:
            hits.append(_batch_hit(b.id, b.name, b.period, b.status, b.created_at, words))
    by_number = number_matches(query)
    ids = matching_invoice_ids(query, page_size, page * page_size, by_number)
    if ids:
        rows = _hit_rows(ids)
        matched = _matched_fields(query, rows, set(by_number))
        for inv_id in ids:
            r = rows.get(inv_id)
            if r is None:
                continue
            hits.append(_invoice_hit(r, matched.get(inv_id, "")))
    return hits


def _words_of(text: str) -> tuple[str, ...]:
    """The folded tokens of a text; kept for the last few thousand texts (a page of hits
    reads the same line descriptions and names again and again: 'Managed services')."""
    words = _WORDS.get(text)
    if words is None:
        if len(_WORDS) >= 4096:
            _WORDS.clear()
        words = _WORDS[text] = tuple(_TOKEN.findall(fold(text)))
    return words


_WORDS: dict[str, tuple[str, ...]] = {}


def _word_in(word_tokens: list[str], field_tokens: list[str]) -> bool:
    """The query word's tokens in the field, as the index matches: the last as a
    prefix of a token, all of them present (e.g. 'ns-0001' in 'NS-000150')."""
    return bool(word_tokens) and all(
        any(t.startswith(w) if i == len(word_tokens) - 1 else t == w for t in field_tokens)
        for i, w in enumerate(word_tokens))


def _matched_fields(query: str, rows: dict, by_number: set[int],
                    line_text: dict[int, str] | None = None) -> dict[int, str]:
    """What each invoice hit matched, for the Where column: its number, customer,
    batch name, the text of a line or an amount (several: 'customer, batch').
    ``line_text``: each invoice's lines' descriptions when the caller read them
    (else they are read here for the invoices that need them)."""
    words = [[tokens for tokens in (_TOKEN.findall(f) for f in word_forms(w)) if tokens]
             for w in query.replace(",", "").split()]
    words = [w for w in words if w]
    out: dict[int, str] = {}
    unexplained: dict[int, list] = {}
    for inv_id, r in rows.items():
        if inv_id in by_number:
            out[inv_id] = "number"
            continue
        fields = (("number", _words_of(r["number"])), ("customer", _words_of(r["name"])),
                  ("batch", _words_of(r["batch_name"])))
        found, rest = [], []
        for word in words:
            name = next((n for n, tokens in fields if any(_word_in(form, tokens) for form in word)), None)
            if name is None:
                rest.append(word)
            elif name not in found:
                found.append(name)
        out[inv_id] = ", ".join(found)
        if rest:
            unexplained[inv_id] = rest
    if unexplained:
        text: dict[int, dict[str, None]] = {}  # each invoice's distinct line tokens, in order
        if line_text is not None:
            text = {inv_id: dict.fromkeys(_words_of(line_text.get(inv_id) or "")) for inv_id in unexplained}
        else:
            # the raw cursor: a Peewee row per line (about 90 a search) was a fifth of a search's time
            query = (InvoiceLine.select(InvoiceLine.invoice, InvoiceLine.description)
                     .where(InvoiceLine.invoice.in_(list(unexplained))))
            for inv_id, desc in db.obj.execute(query).fetchall():
                text.setdefault(inv_id, {}).update(dict.fromkeys(_words_of(desc or "")))
        for inv_id, rest in unexplained.items():
            kinds = ["line text" if any(_word_in(form, text.get(inv_id, [])) for form in w) else "amount"
                     for w in rest]
            names = [n for n in out[inv_id].split(", ") if n]
            names += [k for k in dict.fromkeys(kinds) if k not in names]
            out[inv_id] = ", ".join(names)
    return out
