"""``batchbill export``: write a batch or invoices to an accounting import file."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store

PER_INVOICE = ("pdf", "ubl", "facturx")

FORMAT_CHOICES = ("qbo-csv", "qbd-iif", "xero-csv", "csv", "pdf", "ubl", "facturx")
MAX_NOTICES = 10


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export a batch or invoices to QuickBooks Online CSV, QuickBooks Desktop IIF, Xero CSV, plain CSV, "
        "or the customer's PDF, Peppol UBL or Factur-X",
        description="Write the file (numbered files where the target limits rows per file) and mark "
        "the invoices exported. Re-exporting is allowed and says so; void invoices are refused. "
        "pdf, ubl and facturx write one file per invoice: one invoice to a file, several into a folder "
        "(default: the batch's name and the format, e.g. 2026-11-billing-pdf) or into a zip when -o ends in "
        ".zip; a void invoice that was exported "
        "gets a credit note.",
    )
    # Neither is required by argparse: `export NS-000150` (no flag) or a missing
    # --format gets a one-line reason naming what to type (run), not the usage.
    p.add_argument("numbers", nargs="*", metavar="NUMBER",
                   help="invoice numbers, as --invoice takes them (export NS-000150 -f pdf)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--batch", metavar="ID|NAME", help="a saved batch, by id or exact name")
    what.add_argument("--invoice", metavar="NUMBER", action="append",
                      help="an invoice number, e.g. NS-000150, 150 or ns150 (repeat for several)")
    p.add_argument("--format", "-f", choices=FORMAT_CHOICES, dest="fmt")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="file to write, or a directory (an existing one, or a path ending in /) to write "
                   "the default name into (default: the batch's name, e.g. 2026-11-billing-qbo.csv, or the invoice "
                   "number, in the current "
                   "directory). Only regular files are written: an existing FIFO, device, socket, "
                   "directory or symbolic link there is refused. pdf, ubl and facturx: one invoice to a file, several to a folder (default the batch's name and the format) or into a zip when PATH ends in .zip")
    p.add_argument("--mkdir", action="store_true",
                   help="create the output's missing directories (without it, a missing directory is an error)")
    add_db_option(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    from store.errors import ValidationError
    from store.exports import export_invoices
    from store.text import count

    from store.search import resolve_invoice_number

    _check_what_and_format(args)
    if args.output is not None and not args.output.strip():
        # an empty -o (a shell variable that was never set) must not mean "somewhere"
        raise ValidationError("-o is empty: give a file or folder to write, or leave -o out "
                              "for the default name in the current directory")
    open_store(args)
    numbers = None
    if args.batch is None:  # "150" or "ns150" is NS-000150, as the search reads it
        numbers = [resolve_invoice_number(n) for n in args.invoice if n.strip()] or args.invoice
    result = export_invoices(
        fmt=args.fmt,
        batch=args.batch,
        numbers=numbers,
        out_path=args.output,
        mkdir=args.mkdir,
    )
    if args.fmt in PER_INVOICE:
        return _report_documents(result)
    for item in result.details:
        print(f"wrote {item.path}: {count(item.invoices, 'invoice')}, {count(item.rows, 'row')}")
    if len(result.details) > 1:
        print(f"total: {count(result.invoices, 'invoice')}, {count(result.rows, 'row')} in "
              f"{len(result.files)} files")
    for notice in result.reexport_notices():
        print(f"re-export: {notice}")
    if result.skipped_void:
        print(f"skipped {count(len(result.skipped_void), 'void invoice')}: "
              f"{', '.join(result.skipped_void[:MAX_NOTICES])}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0


def _check_what_and_format(args) -> None:
    """Invoice numbers given without --invoice are invoice numbers; a missing
    batch, invoice or format is one line saying what to type."""
    from store.errors import ValidationError

    if args.numbers:
        if args.batch is not None:
            raise ValidationError(f"give --batch or invoice numbers, not both: batchbill export --batch "
                                  f"{args.batch} --format FORMAT, or batchbill export --invoice "
                                  f"{args.numbers[0]} --format FORMAT")
        args.invoice = [*(args.invoice or []), *args.numbers]
    formats = "|".join(FORMAT_CHOICES)
    if args.batch is None and not args.invoice:
        # short enough to read on one line of a terminal; the formats are in --help
        # and in the reason a wrong --format gets
        raise ValidationError(f"nothing to export: batchbill export --batch NAME_OR_ID --format "
                              f"{args.fmt or 'FORMAT'}, or --invoice NUMBER")
    if args.fmt is None:
        what = f"--batch {args.batch}" if args.batch is not None else " ".join(
            f"--invoice {n}" for n in args.invoice)
        raise ValidationError(f"no format given: batchbill export {what} --format {formats}")


def _report_documents(result) -> int:
    """One line per file for a few, else the folder or zip and the count."""
    from store.text import count, plural

    files = result.files
    if len(files) <= MAX_NOTICES:
        for path in files:
            print(f"wrote {path}")
    else:
        print(f"wrote {len(files)} files in {files[0].parent}")
    if len(files) == 1 and result.invoices > 1:
        print(f"  {count(result.invoices, 'invoice')}, {count(result.rows, 'row')} in {files[0]}")
    if result.credit_notes:
        notes = len(result.credit_notes)
        print(f"credit {plural(notes, 'note')} for {count(notes, 'void invoice')} that "
              f"{plural(notes, 'was', 'were')} exported: "
              f"{', '.join(result.credit_notes[:MAX_NOTICES])}")
    for notice in result.reexport_notices():
        print(f"re-export: {notice}")
    if result.skipped_void:
        print(f"skipped {count(len(result.skipped_void), 'void invoice')} never exported (no credit note needed): "
              f"{', '.join(result.skipped_void[:MAX_NOTICES])}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0
