"""The customer's invoice as a printable PDF (``pdf``): seller and buyer blocks,
number and dates, lines grouped as on the invoice screen (by kind, then contract
and period), VAT per category and rate, totals, payment details.

Text is set with fpdf2 and shaped with HarfBuzz (uharfbuzz), so Hebrew reads
right to left with its marks in place and Japanese/Chinese names render. Fonts
come from pip packages (Noto Sans and Noto Sans Hebrew from ``manimgx-fonts``,
Noto Sans CJK JP from ``noto-cjk-sans-jp-regular``), never from the system; a
document embeds the subset of each font it uses. The Hebrew and CJK fonts are
added only to documents whose text needs them.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path
from typing import Sequence

from exporters import einvoice as ei
from exporters.common import DocumentPlan, ExportOutput, ExportPart, check_consistent, quantity_text
from store.domain import ExportSettings, InvoiceData, InvoiceLineData
from store.money import format_display, to_major

# Grouped as on the invoice screen (tui/screens/invoice_detail.py GROUPS).
GROUPS = (
    ("Service Items", ("service_item", "device", "block", "overage", "project")),
    ("Tickets", ("ticket",)),
    ("Time Entries", ("time_entry",)),
    ("Expenses", ("expense",)),
)
CATEGORY_NOTES = {
    "AE": "Reverse charge: VAT to be accounted for by the recipient (Article 196 VAT Directive)",
    "G": "Export outside the EU: no VAT charged",
    "O": "Not subject to VAT",
    "Z": "Zero rated",
}
_HEBREW = re.compile("[\u0590-\u05ff\ufb1d-\ufb4f]")
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _package_file(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        from exporters.common import ExportError

        raise ExportError(f"the PDF fonts are missing: pip install {package.replace('_', '-')}")
    return Path(list(spec.submodule_search_locations)[0]) / name


def fonts() -> dict[str, Path]:
    return {
        "latin": _package_file("manimgx_fonts", "NotoSans[wght].ttf"),
        "hebrew": _package_file("manimgx_fonts", "NotoSansHebrew[wght].ttf"),
        "cjk": _package_file("noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf"),
    }


def bold_latin() -> Path:
    """Noto Sans Bold: the variable font's wght=700 instance, made once (a few seconds)
    and kept in the user's cache directory (or a temporary one when that is not writable)."""
    import os
    import tempfile

    source = fonts()["latin"]
    stamp = f"{source.stat().st_size}-{int(source.stat().st_mtime)}"
    for base in (_cache_dir(), Path(tempfile.gettempdir()) / f"batchbill-fonts-{os.getuid()}"):
        target = base / f"NotoSans-Bold-{stamp}-2.ttf"
        if target.is_file() and not target.is_symlink():
            return target
        try:
            base.mkdir(parents=True, exist_ok=True, mode=0o700)
            from fontTools.ttLib import TTFont
            from fontTools.varLib import instancer

            font = instancer.instantiateVariableFont(TTFont(str(source)), {"wght": 700}, updateFontNames=True)
            fd, tmp = tempfile.mkstemp(dir=base, suffix=".ttf.tmp")
            os.close(fd)
            font.save(tmp)
            os.replace(tmp, target)
            return target
        except OSError:
            continue
    return source  # no writable place: regular weight for headings


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("batchbill")) / "fonts"


def grouped_lines(lines: Sequence[InvoiceLineData]) -> list[tuple[str, list[InvoiceLineData]]]:
    known = {kind: title for title, kinds in GROUPS for kind in kinds}
    buckets: dict[str, list] = {title: [] for title, _ in GROUPS}
    buckets["Other"] = []
    for item in lines:
        buckets[known.get(item.kind, "Other")].append(item)
    return [(title, items) for title, items in buckets.items() if items]


def money(minor: int, currency: str) -> str:
    """'1,234.50' with the currency's decimals (the code is printed in the headings)."""
    return format_display(minor, currency).rsplit(" ", 1)[0]


def _day(day: dt.date) -> str:
    return day.isoformat()


def _all_text(inv: InvoiceData, settings: ExportSettings) -> str:
    c, s = inv.customer, settings.seller
    parts = [c.name, c.address, c.address_line1, c.address_line2, c.city, c.postcode, c.buyer_reference,
             c.vat_exemption_reason, s.name, s.legal_name, s.street, s.street2, s.city, s.payment_note,
             settings.terms]
    parts += [f"{line.description} {line.contract}" for line in inv.lines]
    return " ".join(p for p in parts if p)


class _Invoice:
    """One document being laid out."""

    def __init__(self, inv: InvoiceData, settings: ExportSettings, pdfa: bool = False):
        from fpdf import FPDF

        self.inv = inv
        self.settings = settings
        self.credit = ei.is_credit_note(inv)
        self.cur = inv.currency
        pdf = FPDF(orientation="P", unit="mm", format="letter" if settings.page_size == "Letter" else "A4")
        pdf.set_auto_page_break(True, margin=18)
        pdf.set_margins(16, 16, 16)
        pdf.set_creator("batchbill")
        pdf.set_title(f"{'Credit note' if self.credit else 'Invoice'} {self.number}")
        pdf.set_author(settings.seller.registered_name)
        pdf.set_lang("en")
        if pdfa:
            _srgb_output_intent(pdf)
        paths = fonts()
        pdf.add_font("Latin", "", str(paths["latin"]))
        pdf.add_font("Latin", "B", str(bold_latin()))
        text = _all_text(inv, settings)
        fallback = []
        if _HEBREW.search(text):
            pdf.add_font("Hebrew", "", str(paths["hebrew"]))
            fallback.append("Hebrew")
        if _CJK.search(text):
            pdf.add_font("CJK", "", str(paths["cjk"]))
            fallback.append("CJK")
        if fallback:
            pdf.set_fallback_fonts(fallback, exact_match=False)
        pdf.set_text_shaping(True)
        self.pdf = pdf
        self.footer_text = self._footer_text()
        pdf.footer = self._footer  # type: ignore[method-assign]
        pdf.alias_nb_pages()

    @property
    def number(self) -> str:
        return ei.credit_note_number(self.inv) if self.credit else self.inv.number

    # -- text helpers
    def font(self, size: float, bold: bool = False) -> None:
        # Noto Sans is a variable font whose default instance is Regular; Bold is its
        # wght=700 instance (bold_latin).
        self.pdf.set_font("Latin", "B" if bold else "", size)

    def line(self, text: str, size: float = 9, bold: bool = False, h: float = 4.6, w: float = 0,
             align: str = "L") -> None:
        self.font(size, bold)
        self.pdf.multi_cell(w, h, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def _footer_text(self) -> str:
        s = self.settings.seller
        bits = [s.registered_name]
        if s.company_id:
            bits.append(f"Reg. {s.company_id}")
        if s.vat_id:
            bits.append(f"VAT {s.vat_id}")
        return " · ".join(bits)

    def _footer(self) -> None:
        pdf = self.pdf
        pdf.set_y(-13)
        self.font(7.5)
        pdf.set_text_color(90)
        pdf.cell(0, 4, self.footer_text, align="L")
        pdf.set_x(pdf.l_margin)
        pdf.cell(0, 4, f"{self.number} · page {pdf.page_no()} of {{nb}}", align="R")
        pdf.set_text_color(0)

    # -- blocks
    def header(self) -> None:
        pdf, inv, s = self.pdf, self.inv, self.settings.seller
        pdf.add_page()
        top = pdf.get_y()
        width = pdf.epw * 0.55
        self.line(s.registered_name, 14, True, h=7, w=width)
        if s.name and s.name != s.registered_name:
            self.line(s.name, 9, w=width)
        for text in self._seller_lines():
            self.line(text, 8.5, w=width, h=4.2)
        left_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + width, top)
        right = pdf.epw - width
        self.font(18, True)
        pdf.cell(right, 9, "CREDIT NOTE" if self.credit else "INVOICE", align="R", new_x="LEFT", new_y="NEXT")
        rows = [("Number", self.number)]
        if self.credit:
            rows += [("Date", _day(ei.credit_note_date(inv))), ("Credits invoice", inv.number),
                     ("Invoice date", _day(inv.issue_date))]
        else:
            rows += [("Issue date", _day(inv.issue_date)), ("Due date", _day(inv.due_date))]
        span = ei.invoice_span(inv)
        if span is not None:
            rows.append(("Period", f"{_day(span.start)} – {_day(span.end)}"))
        rows.append(("Currency", self.cur))
        for label, value in rows:
            pdf.set_x(pdf.l_margin + width)
            self.font(8.5)
            pdf.cell(right * 0.45, 4.6, label, align="R")
            self.font(8.5, True)
            pdf.cell(right * 0.55, 4.6, value, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(left_bottom, pdf.get_y()) + 6)
        self._buyer()

    def _seller_lines(self) -> list[str]:
        s = self.settings.seller
        out = [s.street, s.street2, _city_line(s.country, s.city, s.postcode), s.country]
        if s.vat_id:
            out.append(f"VAT id {s.vat_id}")
        if s.tax_id:
            out.append(f"Tax no. {s.tax_id}")
        if s.company_id:
            out.append(f"Company reg. {s.company_id}")
        contact = " · ".join(p for p in (s.email, s.phone) if p)
        if contact:
            out.append(contact)
        return [p for p in out if p]

    def _buyer(self) -> None:
        pdf, c = self.pdf, self.inv.customer
        pdf.set_fill_color(243, 244, 246)
        y = pdf.get_y()
        self.line("BILL TO", 7.5, True, h=4)
        self.line(c.name, 11, True, h=5.6, w=pdf.epw * 0.6)
        if c.address_line1 or c.city:
            lines = [c.address_line1, c.address_line2, _city_line(c.country, c.city, c.postcode), c.country]
        else:
            lines = [c.address]
        for text in [t for t in lines if t]:
            self.line(text, 9, w=pdf.epw * 0.6)
        extra = []
        if c.vat_id:
            extra.append(f"VAT id {c.vat_id}")
        if c.buyer_reference:
            extra.append(f"Your reference {c.buyer_reference}")
        if c.email:
            extra.append(c.email)
        for text in extra:
            self.line(text, 8.5, w=pdf.epw * 0.6)
        pdf.set_draw_color(200)
        pdf.line(pdf.l_margin, pdf.get_y() + 3, pdf.l_margin + pdf.epw, pdf.get_y() + 3)
        pdf.set_y(max(pdf.get_y(), y) + 6)

    # -- lines table
    COLS = (("Description", 0.58, "L"), ("Qty", 0.1, "R"), ("Unit price", 0.15, "R"), ("Amount", 0.17, "R"))

    def _table_head(self) -> None:
        pdf = self.pdf
        self.font(8, True)
        pdf.set_fill_color(230, 232, 236)
        for title, share, align in self.COLS:
            label = f"{title} ({self.cur})" if title in ("Unit price", "Amount") else title
            pdf.cell(pdf.epw * share, 6, label, align=align, fill=True)
        pdf.ln(6)

    def lines(self) -> None:
        pdf = self.pdf
        self._table_head()
        for title, items in grouped_lines(self.inv.lines):
            self._ensure(14)
            pdf.ln(1.5)
            self.font(9.5, True)  # the group and its subtotal, as on the invoice screen
            pdf.cell(pdf.epw * 0.83, 5.5, title)
            pdf.cell(pdf.epw * 0.17, 5.5, money(sum(item.amount for item in items), self.cur), align="R",
                     new_x="LMARGIN", new_y="NEXT")
            where = None
            for item in items:
                if item.contract and (item.contract, item.period) != where:
                    where = (item.contract, item.period)
                    self._ensure(10)
                    pdf.set_text_color(80)
                    self.line(f"{item.contract} · {item.period}", 8, h=4.6)
                    pdf.set_text_color(0)
                self._row(item)
        pdf.ln(2)

    def _ensure(self, height: float) -> None:
        pdf = self.pdf
        if pdf.will_page_break(height):
            pdf.add_page()
            self._table_head()

    def _row(self, item: InvoiceLineData) -> None:
        pdf = self.pdf
        widths = [pdf.epw * share for _, share, _ in self.COLS]
        self.font(8.5)
        desc_lines = pdf.multi_cell(widths[0] - 2, 4.4, item.description, dry_run=True, output="LINES")
        height = max(1, len(desc_lines)) * 4.4 + 1
        self._ensure(height)
        x, y = pdf.get_x(), pdf.get_y()
        pdf.set_x(x + 2)
        pdf.multi_cell(widths[0] - 2, 4.4, item.description, new_x="RIGHT", new_y="TOP")
        pdf.set_xy(x + widths[0], y)
        hours = " h" if ei.unit_code(item) == "HUR" else ""
        pdf.cell(widths[1], 4.4, f"{quantity_text(item.quantity)}{hours}", align="R")
        pdf.cell(widths[2], 4.4, money(item.unit_price, self.cur), align="R")
        pdf.cell(widths[3], 4.4, money(item.amount, self.cur), align="R")
        pdf.set_xy(x, y + height)

    # -- totals and payment
    def totals(self) -> None:
        pdf, inv = self.pdf, self.inv
        groups = ei.tax_groups(inv)
        rows = [("Subtotal", money(inv.subtotal, self.cur), False)]
        # US and Canadian shops charge sales tax (GST/HST), not VAT
        word = "Tax" if self.settings.seller.country in ("US", "CA") else "VAT"
        for g in groups:
            if g.category == "S":
                label = f"{word} {ei.percent_text(g.percent)}% of {money(g.taxable, self.cur)}"
            else:
                label = f"VAT {g.category} ({CATEGORY_NOTES.get(g.category, 'exempt').split(':')[0]}) " \
                        f"of {money(g.taxable, self.cur)}"
            rows.append((label, money(g.tax, self.cur), False))
        rows.append((f"Total {self.cur}", money(inv.total, self.cur), True))
        self._ensure(8 * len(rows) + 10)
        left = pdf.l_margin + pdf.epw * 0.45
        for label, value, strong in rows:
            pdf.set_x(left)
            if strong:
                pdf.set_draw_color(60)
                pdf.line(left, pdf.get_y() + 0.5, pdf.l_margin + pdf.epw, pdf.get_y() + 0.5)
                pdf.ln(1.5)
                pdf.set_x(left)
            self.font(11 if strong else 9, strong)
            pdf.cell(pdf.epw * 0.38, 6 if strong else 5, label, align="R")
            pdf.cell(pdf.epw * 0.17, 6 if strong else 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        notes = []
        for g in groups:
            if g.category == "E":
                notes.append(f"VAT exempt: {g.reason}")
            elif g.category in CATEGORY_NOTES and g.category != "Z":
                notes.append(g.reason if g.category != "AE" else CATEGORY_NOTES["AE"])
        for note in notes:
            self.line(note, 8.5)

    def payment(self) -> None:
        pdf, s, inv = self.pdf, self.settings.seller, self.inv
        self._ensure(30)
        pdf.ln(3)
        if self.credit:
            self.line(f"This credit note cancels invoice {inv.number} of {_day(inv.issue_date)} in full.", 9, True)
            return
        self.line("Payment", 9.5, True, h=5.5)
        terms = self.settings.terms
        self.line(f"Please pay {money(inv.total, self.cur)} {self.cur} by {_day(inv.due_date)}"
                  f"{f' ({terms})' if terms else ''}, quoting {inv.number}.", 9)
        if s.iban:
            bank = f"IBAN {_spaced(s.iban)}" + (f" · BIC {s.bic}" if s.bic else "")
            self.line(f"{bank} · account holder {s.registered_name}", 9)
        if s.payment_note:
            self.line(s.payment_note, 9)

    def render(self) -> bytes:
        self.header()
        self.lines()
        self.totals()
        self.payment()
        return bytes(self.pdf.output())


def _srgb_output_intent(pdf) -> None:
    """PDF/A needs the colour space of its device colours: an sRGB output intent,
    the profile made by Pillow's LittleCMS (no file to ship)."""
    from fpdf.enums import OutputIntentSubType
    from fpdf.output import PDFICCProfile
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pdf.add_output_intent(OutputIntentSubType.PDFA, "sRGB IEC61966-2.1", "sRGB IEC61966-2.1",
                          "http://www.color.org", PDFICCProfile(profile, 3, "DeviceRGB"), "sRGB IEC61966-2.1")


# Countries that write the post code after the city ("Columbus 43215", "Leeds LS1 4AP").
_CITY_FIRST = frozenset({"US", "CA", "GB", "AU", "NZ", "IE", "IL", "JP", "KR", "BR", "IN", "SG", "ZA"})


def _city_line(country: str, city: str, postcode: str) -> str:
    parts = (city, postcode) if country in _CITY_FIRST else (postcode, city)
    return " ".join(p for p in parts if p)


def _spaced(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def invoice_pdf(inv: InvoiceData, settings: ExportSettings, *, pdfa: bool = False) -> bytes:
    """The invoice (or the credit note of a void exported invoice) as PDF bytes;
    ``pdfa``: with the sRGB output intent PDF/A-3 needs (Factur-X)."""
    return _Invoice(inv, settings, pdfa).render()


def plan(invoices: Sequence[InvoiceData], settings: ExportSettings) -> DocumentPlan:
    """The files the export writes, nothing rendered (a PDF needs nothing beyond
    what every invoice has: nothing is ever missing)."""
    return DocumentPlan(tuple(ei.invoice_filename("pdf", inv) for inv in invoices), (), sum(len(inv.lines) for inv in invoices))


def export(invoices: Sequence[InvoiceData], settings: ExportSettings, progress=None) -> ExportOutput:
    planned = plan(invoices, settings)
    parts = []
    for done, (inv, name) in enumerate(zip(invoices, planned.names), 1):
        check_consistent(inv)
        parts.append(ExportPart(invoice_pdf(inv, settings), (inv.number,), len(inv.lines), name))
        if progress is not None:
            progress(done, len(invoices))
    return ExportOutput(parts=parts)


__all__ = ["export", "plan", "invoice_pdf", "to_major"]
