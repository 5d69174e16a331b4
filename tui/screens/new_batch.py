"""New batch: a name, the period and all or some customers. Creating it makes
a draft (nothing is billed yet) and opens it in the batch editor."""
from __future__ import annotations

import asyncio
import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from textual.suggester import Suggester

from store import billing, listing
from tui.work import run_store


class CustomerSuggester(Suggester):
    """Completes the last name of a comma-separated list from the store
    (in a thread: the UI never waits on the database)."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(",")
        stem = last.lstrip()
        if not stem:
            return None
        names = await asyncio.to_thread(listing.customer_names, stem, 1)
        if not names:
            return None
        lead = value[: len(value) - len(stem)]
        return lead + names[0]


def previous_month(today: dt.date) -> str:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


class NewBatchDialog(ModalScreen):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="new_batch.cancel", tooltip="Create nothing"),
        Binding("ctrl+s", "create", "Create", id="new_batch.create", tooltip="Create the draft"),
    ]

    # the name the dialog proposed (the period's "YYYY-MM billing", or "... (2)" when
    # that one is taken): replaced when the period changes, created as shown
    proposed = ""

    def compose(self) -> ComposeResult:
        period = previous_month(self.app.today)
        self.proposed = f"{period} billing"
        with Vertical(classes="dialog"):
            yield Label("New billing batch", classes="dialog-title")
            yield Label("Period (YYYY-MM, YYYY-Qn or YYYY):")
            yield Input(period, id="period", compact=True)
            yield Label("Name:")
            yield Input(f"{period} billing", id="name", compact=True)
            yield Label("Customers: blank = all, or names separated by commas:")
            yield Input("", placeholder="all customers", id="customers", compact=True,
                        suggester=CustomerSuggester())
            yield Label("enter: next field, then create · → completes a name · esc: cancel",
                        classes="dialog-hint")
            yield Label("", id="new-batch-error", classes="problem", markup=False)

    def on_mount(self) -> None:
        self.query_one("#period", Input).focus()
        self._propose(self.proposed)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "period":
            name = self.query_one("#name", Input)
            if name.value in ("", self.proposed) or name.value.endswith(" billing"):
                self.proposed = name.value = f"{event.value.strip()} billing"
                self._propose(self.proposed)

    def _propose(self, base: str) -> None:
        """Show the name the batch will get: a proposed name already taken (the
        period's batch was voided, say) becomes "base (2)" here, not only on creation.
        Keys typed meanwhile wait for it (a name typed over it stays)."""

        def shown(free: str) -> None:
            name = self.query_one("#name", Input)
            if name.value == base == self.proposed:
                self.proposed = name.value = free

        run_store(self, billing.free_batch_name, base, done=shown, group="propose-name")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["period", "name", "customers"]
        position = order.index(event.input.id)
        if position < len(order) - 1:
            self.query_one(f"#{order[position + 1]}", Input).focus()
        else:
            self.action_create()

    def action_create(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        period = self.query_one("#period", Input).value.strip()
        names = [n.strip() for n in self.query_one("#customers", Input).value.split(",") if n.strip()]
        default = name == self.proposed  # the name the dialog proposed, not one typed
        actor = self.app.actor

        def create():
            # a proposed name already taken (the period's batch was voided, say) gets "(2)"
            chosen = billing.free_batch_name(name) if default else name
            return billing.create_batch(chosen, period, names or None, actor=actor)

        run_store(self, create, done=self.dismiss, failed=self._failed, group="create")

    def _failed(self, error) -> None:
        self.query_one("#new-batch-error", Label).update(str(error))

    def action_cancel(self) -> None:
        self.dismiss(None)
