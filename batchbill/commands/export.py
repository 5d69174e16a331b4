"""``batchbill export``: write a batch or invoices to an accounting import file."""
from __future__ import annotations

from batchbill.commands._common import add_db_option, open_store

FORMAT_CHOICES = ("qbo-csv", "qbd-iif", "xero-csv", "csv")
MAX_NOTICES = 10


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export a batch or invoices to QuickBooks Online CSV, QuickBooks Desktop IIF, Xero CSV or plain CSV",
        description="Write the file (numbered files where the target limits rows per file) and mark "
        "the invoices exported. Re-exporting is allowed and says so; void invoices are refused.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--batch", metavar="ID|NAME", help="a saved batch, by id or exact name")
    what.add_argument("--invoice", metavar="NUMBER", action="append",
                      help="an invoice number (repeat for several)")
    p.add_argument("--format", "-f", required=True, choices=FORMAT_CHOICES, dest="fmt")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="file to write, or a directory (an existing one, or a path ending in /) to write "
                   "the default name into (default: batch-ID-<format> or the invoice number, in the current "
                   "directory). Only regular files are written: an existing FIFO, device, socket, "
                   "directory or symbolic link there is refused")
    p.add_argument("--mkdir", action="store_true",
                   help="create the output's missing directories (without it, a missing directory is an error)")
    add_db_option(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    from store.exports import export_invoices

    open_store(args)
    result = export_invoices(
        fmt=args.fmt,
        batch=args.batch,
        numbers=args.invoice if args.batch is None else None,
        out_path=args.output,
        mkdir=args.mkdir,
    )
    for item in result.details:
        print(f"wrote {item.path}: {item.invoices} invoice(s), {item.rows} row(s)")
    if len(result.details) > 1:
        print(f"total: {result.invoices} invoice(s), {result.rows} row(s) in {len(result.files)} files")
    for notice in result.reexport_notices():
        print(f"re-export: {notice}")
    if result.skipped_void:
        print(f"skipped {len(result.skipped_void)} void invoice(s): {', '.join(result.skipped_void[:MAX_NOTICES])}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0
