"""One invoice: header, lines grouped by what they bill, subtotal, tax, total.

Groups: Service Items (recurring service items, device charges, block fees
and overage, fixed project fees: the contract's own charges), Tickets, Time
Entries and Expenses; any other kind under Other."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from store import invoices
from store.money import quantity_str
from tui.commands import quiet_global_bindings
from tui.format import day, line, money, safe
from tui.widgets.footer import KeyFooter
from tui.work import run_store
from tui.widgets.title_bar import TitleBar
from tui.widgets.row_table import RowTable

GROUPS = (
    ("Service Items", ("service_item", "device", "block", "overage", "project")),
    ("Tickets", ("ticket",)),
    ("Time Entries", ("time_entry",)),
    ("Expenses", ("expense",)),
)


def grouped_lines(lines):
    """[(group title, [lines])] in the fixed group order, empty groups left out."""
    known = {kind: title for title, kinds in GROUPS for kind in kinds}
    buckets: dict[str, list] = {title: [] for title, _ in GROUPS}
    buckets["Other"] = []
    for item in lines:
        buckets[known.get(item.kind, "Other")].append(item)
    return [(title, items) for title, items in buckets.items() if items]


def indented(text: str, width: int, indent: int) -> str:
    """``text`` wrapped to a column ``width`` cells wide, every line indented by
    ``indent``: a long description's next lines stay under its first, in the
    Description column (issue 12: they restarted at the column's edge, under the
    group headings). Nothing is cut: a time entry's note is the work done."""
    import textwrap

    room = max(8, width - indent)
    lines = textwrap.wrap(safe(text), room, break_on_hyphens=False) or [""]
    return "\n".join(" " * indent + part for part in lines)


def fit(text: str, cells: int) -> Text:
    """User text cut to ``cells`` terminal cells, with an ellipsis when cut."""
    out = Text(safe(text))
    out.truncate(cells, overflow="ellipsis")
    return out


def status_text(inv) -> str:
    """The status; an exported invoice's with the time of its last export (on the
    first line, where it is never cut). A void invoice says only that it is void:
    an export time beside it would read as the time it was voided."""
    if inv.status == "exported" and inv.exported_at is not None:
        return f"{inv.status} {inv.exported_at:%Y-%m-%d %H:%M}"
    return inv.status


class InvoiceDetailScreen(Screen):
    TITLE = "Invoice"
    BINDINGS = [
        Binding("e", "export", "Export", id="invoice.export", tooltip="Export this invoice"),
        Binding("p", "pdf", "PDF", id="invoice.pdf", tooltip="Write this invoice's PDF (the customer's copy)"),
        Binding("v", "void", "Void", id="invoice.void", tooltip="Void this invoice alone, with a reason"),
        Binding("escape", "back", "Back", id="invoice.back", tooltip="Back to the list"),
        Binding("j", "cursor('down')", "Down", show=False, id="invoice.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="invoice.up"),
        *quiet_global_bindings("help", "quit", "search"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.invoice = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(f"Loading {self.number}...", id="invoice-header")
        yield RowTable(cursor_type="row", id="invoice-lines")
        yield Static("", id="invoice-totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    def reload(self) -> None:
        run_store(self, invoices.load_invoice, self.number, done=self._show, group="invoice")

    def on_resize(self) -> None:
        if self.invoice is not None:
            self._show(self.invoice)  # names and descriptions get the new width

    def _show(self, inv) -> None:
        self.invoice = inv
        self.refresh_bindings()  # the footer follows the status (void: no e, no v)
        self.sub_title = inv.number
        c = inv.currency
        width = self.size.width or self.app.size.width
        status = status_text(inv)
        # one line each, whatever the width: names give way, the number, status,
        # currency, batch and dates never do (at 80 columns the header wrapped)
        customer_w = max(8, width - 2 - len(inv.number) - len(status) - len(c) - 8)
        dates = f"  issued {day(inv.issue_date)}  due {day(inv.due_date)}"
        batch_w = max(8, width - 2 - len("Batch  ()") - len(inv.batch_period) - len(dates))
        # names are cut by the cells they take (a CJK name takes two a character: cut by
        # characters it wrapped line 1 and pushed the batch and dates out of the 2 rows), and
        # each line is cut to the width, never wrapped (issue 12)
        first = line((inv.number, "bold"), "  ", fit(inv.customer.name, customer_w), "  ", (status, "bold"), f"  {c}")
        second = line("Batch ", fit(inv.batch_name, batch_w), f" ({inv.batch_period}){dates}")
        for text in (first, second):
            text.truncate(width - 2, overflow="ellipsis")
        self.query_one("#invoice-header", Static).update(Text("\n").join((first, second)))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        # the amounts always show; descriptions take the rest and wrap (a time entry's note is the work done)
        width = max(20, width - 46)
        table.add_column("Description", width=width)
        table.add_columns("Qty", "Unit price", "Amount")
        for title, lines in grouped_lines(inv.lines):
            subtotal = sum(item.amount for item in lines)
            table.add_row(Text(title, style="bold"), "", "", Text(money(subtotal, c), style="bold"))
            where = None
            for item in lines:
                if item.contract and (item.contract, item.period) != where:
                    where = (item.contract, item.period)
                    # the contract and period wrap rather than lose the period (at 80 columns
                    # "Server virtualisation 2026 · 2026-09" was cut before its period)
                    table.add_row(Text(indented(f"{item.contract} · {item.period}", width, 1), style="italic"),
                                  "", "", "", height=None)
                table.add_row(Text(indented(item.description, width, 2)), quantity_str(item.quantity),
                              money(item.unit_price, c), money(item.amount, c), height=None)
        if table.row_count:
            table.move_cursor(row=max(0, min(row, table.row_count - 1)), animate=False)
        rate = f"{(inv.tax_rate * 100).normalize():f}%"
        self.query_one("#invoice-totals", Static).update(line(
            "Subtotal ", (money(inv.subtotal, c), "bold"), f"   Tax {rate} ", (money(inv.tax, c), "bold"),
            "   Total ", (money(inv.total, c), "bold"),
        ))

    def check_action(self, action: str, parameters) -> bool | None:
        # a void invoice is neither exported nor voided again: not offered (p writes its credit note)
        if action in ("export", "void") and self.invoice is not None and self.invoice.status == "void":
            return False
        return True

    def action_cursor(self, direction: str) -> None:
        table = self.query_one(DataTable)
        if direction == "down":
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_export(self) -> None:
        self.app.export_invoices([self.number], status=self.invoice.status if self.invoice else None,
                                 then=self.reload)

    def action_void(self) -> None:
        from store import billing
        from tui.screens.void_invoice_dialog import VoidInvoiceDialog

        inv = self.invoice
        if inv is None:
            return
        if inv.status == "void":
            self.notify(f"Invoice {inv.number} is void already.", severity="warning")
            return

        def reason_given(reason: str | None) -> None:
            if not reason:
                return

            def voided(result) -> None:
                note = " It was exported: void it in your accounting system too." if result.was_exported else ""
                self.notify(f"Invoice {result.number} voided: its items can be billed again.{note}",
                            severity="warning" if result.was_exported else "information")
                self.reload()

            run_store(self, billing.void_invoice, inv.number, reason, actor=self.app.actor,
                      done=voided, group="void-invoice")

        self.app.push_screen(VoidInvoiceDialog(inv), reason_given)

    def action_pdf(self) -> None:
        """The customer's PDF into the export folder (a credit note for a void invoice
        that was exported); marks the invoice exported, as any export does."""
        from pathlib import Path

        from store import exports

        # a void invoice that was exported gets NUMBER-CN.pdf: its invoice's PDF stays
        credit = self.invoice is not None and exports.is_credit_note(self.invoice)
        target = Path(self.app.export_folder) / exports.default_filename("pdf", numbers=[self.number],
                                                                         credit_note=credit)
        self.notify(f"Writing {target}...", timeout=3)
        # keys typed meanwhile wait for the PDF however long it takes (tui.keys)
        run_store(self, exports.export_checked, fmt="pdf", numbers=[self.number], out_path=str(target),
                  actor=self.app.actor, done=self._pdf_written, failed=self._pdf_failed, group="pdf",
                  hold_keys=True)

    def _pdf_written(self, result) -> None:
        self.notify(f"Wrote {result.files[0]}", title="PDF", timeout=8)
        self.reload()

    def _pdf_failed(self, error) -> None:
        self.notify(str(error), title="No PDF written", severity="error", timeout=10)

    def action_back(self) -> None:
        self.dismiss()
