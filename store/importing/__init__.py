"""CSV import of customers, contracts, service items, tickets, time entries
and expenses, keyed by the source system's ``external_id``.

The whole file is checked before anything is written: one bad row and
nothing is imported, and :class:`ImportFileError` lists every problem as
``FILE:LINE: column: reason``. Re-importing a row updates the record with
that external id; a row that would change a billed record is refused.
The columns of each kind are defined once, in :data:`SPECS`, which also
generates the documentation tables (:func:`columns_markdown`).
"""
from store.importing.specs import (
    IMPORT_ORDER,
    IMPORTABLE_TICKET_STATUSES,
    KINDS,
    SPECS,
    Column,
    columns_markdown,
    type_label,
)
from store.importing.writing import ImportSummary, import_bytes, import_file

__all__ = [
    "IMPORT_ORDER", "IMPORTABLE_TICKET_STATUSES", "KINDS", "SPECS", "Column", "ImportSummary",
    "columns_markdown", "import_bytes", "import_file", "type_label",
]
