"""Plain dataclasses the store's services return and the exporters and the
tui consume. No Peewee here: exporters and screens never see a database row.

Three modules, loaded when one of their names is first asked for
(``from store.domain import BatchSummary`` loads only :mod:`store.domain.lists`):
making a dataclass has a cost at import, and the app's start needs
two of these twelve.

- :mod:`store.domain.invoices`: CustomerInfo, InvoiceLineData, InvoiceData, ExportSettings, Seller
- :mod:`store.domain.plan`: PlanItem, PlanPeriod, PlanContract, PlanCustomer, Plan
- :mod:`store.domain.lists`: BatchSummary, InvoiceSummary, SearchHit
"""
from __future__ import annotations

from decimal import Decimal
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for readers and type checkers; at run time, __getattr__ below
    from store.domain.invoices import CustomerInfo, ExportSettings, InvoiceData, InvoiceLineData, Seller
    from store.domain.lists import BatchSummary, InvoiceSummary, SearchHit
    from store.domain.plan import Plan, PlanContract, PlanCustomer, PlanItem, PlanPeriod

_MODULES = {
    "invoices": ("CustomerInfo", "InvoiceLineData", "InvoiceData", "ExportSettings", "Seller"),
    "plan": ("PlanItem", "PlanPeriod", "PlanContract", "PlanCustomer", "Plan"),
    "lists": ("BatchSummary", "InvoiceSummary", "SearchHit"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}
__all__ = [
    "tax_rate_key",
    "CustomerInfo", "InvoiceLineData", "InvoiceData", "ExportSettings", "Seller",
    "PlanItem", "PlanPeriod", "PlanContract", "PlanCustomer", "Plan",
    "BatchSummary", "InvoiceSummary", "SearchHit",
]


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'store.domain' has no attribute {name!r}")
    value = getattr(import_module(f"store.domain.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def tax_rate_key(rate) -> str:
    """A tax rate as the text of a rate-specific setting key: 0.19 -> '0.19',
    Decimal('0.10') -> '0.1', 0.0825 -> '0.0825' (no exponent, no trailing zeros)."""
    value = Decimal(str(rate)).normalize()
    return format(value, "f") if value != 0 else "0"
