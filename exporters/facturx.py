"""Factur-X / ZUGFeRD, EN 16931 profile (``facturx``): the customer PDF
(exporters/pdf.py, with an sRGB output intent and every font embedded) made a
PDF/A-3 with the CII XML (exporters/cii.py) embedded as ``factur-x.xml``. The
``factur-x`` package does the embedding, the PDF/A-3 XMP metadata and the XSD
check of the XML; tests run the official EN 16931 CII rules on the XML."""
from __future__ import annotations

import logging
from typing import Sequence

from exporters import cii
from exporters import einvoice as ei
from exporters.common import DocumentPlan, ExportError, ExportOutput, ExportPart, check_consistent
from exporters.pdf import invoice_pdf
from store.domain import ExportSettings, InvoiceData


def invoice_facturx(inv: InvoiceData, settings: ExportSettings) -> bytes:
    from facturx import generate_from_binary

    xml = cii.invoice_xml(inv, settings)
    pdf = invoice_pdf(inv, settings, pdfa=True)
    number = ei.credit_note_number(inv) if ei.is_credit_note(inv) else inv.number
    metadata = {
        "author": settings.seller.registered_name,
        "keywords": "Factur-X, EN 16931, invoice",
        "title": f"{settings.seller.registered_name}: {'credit note' if ei.is_credit_note(inv) else 'invoice'} "
                 f"{number}",
        "subject": f"{'Credit note' if ei.is_credit_note(inv) else 'Invoice'} {number} "
                   f"dated {inv.issue_date.isoformat()}",
    }
    logging.getLogger("factur-x").setLevel(logging.WARNING)
    try:
        return generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=True,
                                    pdf_metadata=metadata, lang="en")
    except Exception as exc:  # the XSD check names the element; a bug of ours, said plainly
        raise ExportError(f"{inv.number}: the Factur-X XML failed its XSD check: {exc}") from exc


def plan(invoices: Sequence[InvoiceData], settings: ExportSettings) -> DocumentPlan:
    """The files the export writes and what is missing, no PDF or XML made."""
    return DocumentPlan(tuple(ei.invoice_filename("facturx", inv) for inv in invoices),
                        tuple(ei.problems(invoices, settings, "facturx")), sum(len(inv.lines) for inv in invoices))


def export(invoices: Sequence[InvoiceData], settings: ExportSettings, progress=None) -> ExportOutput:
    planned = plan(invoices, settings)
    ei.refuse_missing(planned.missing, "facturx")
    parts = []
    for done, (inv, name) in enumerate(zip(invoices, planned.names), 1):
        check_consistent(inv)
        parts.append(ExportPart(invoice_facturx(inv, settings), (inv.number,), len(inv.lines), name))
        if progress is not None:
            progress(done, len(invoices))
    return ExportOutput(parts=parts)
