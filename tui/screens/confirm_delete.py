"""Delete a draft batch, after a confirmation: nothing was billed, only the
draft and its selection go."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.format import safe


class ConfirmDeleteDraft(ModalScreen[bool]):
    BINDINGS = [
        Binding("enter,y", "confirm", "Delete", id="delete.confirm", tooltip="Delete the draft"),
        Binding("escape,n", "cancel", "Keep", id="delete.cancel", tooltip="Keep the draft"),
    ]

    def __init__(self, batch) -> None:
        super().__init__()
        self.batch = batch

    def compose(self) -> ComposeResult:
        b = self.batch
        with Vertical(classes="dialog"):
            yield Label(safe(f"Delete draft {b.name} ({b.period})?"), classes="dialog-title", markup=False)
            yield Label("Nothing was billed from it: only the draft and its selection go; "
                        "its items stay billable.", markup=False)
            with Horizontal(classes="buttons"):
                yield Label("enter: delete · esc: keep", classes="dialog-hint", id="delete-keys")
                yield Button("Keep (esc)", id="keep", compact=True)
                yield Button("Delete (enter)", id="delete", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#delete", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "delete")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
