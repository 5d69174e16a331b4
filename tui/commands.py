"""The app's commands: one definition feeds the key binding, the footer, the
help screen and the command palette, so the four never drift apart."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class Command:
    id: str
    key: str
    footer: str  # short, for the footer
    title: str  # for the palette and the help screen
    help: str
    action: str
    show: bool = True

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.footer, show=self.show,
                       id=f"batchbill.{self.id}", tooltip=self.help)


GLOBAL_COMMANDS: tuple[Command, ...] = (
    Command("dashboard", "d", "Home", "Dashboard", "Dashboard: benchmark, recent batches and invoices",
            "app.go('dashboard')"),
    Command("batches", "b", "Batches", "Batches", "Batches: all of them, with status",
            "app.go('batches')"),
    Command("invoices", "i", "Invoices", "Invoices", "Invoices: all of them, newest first",
            "app.go('invoices')"),
    Command("search", "slash", "Search", "Search", "Search invoices and batches as you type",
            "app.go('search')"),
    Command("new_batch", "n", "New", "New batch", "New batch: bill a period",
            "app.new_batch"),
    Command("help", "question_mark", "Help", "Help", "Help: the keys of this screen",
            "app.help"),
    Command("quit", "q", "Quit", "Quit", "Quit batchbill", "app.quit"),
)


def global_bindings() -> list[Binding]:
    return [c.binding() for c in GLOBAL_COMMANDS]


def quiet_global_bindings(*keep: str) -> list[Binding]:
    """The global keys again, left out of the footer (except ``keep`` ids):
    for screens whose own keys need the footer's room. Help still lists them."""
    out = []
    for c in GLOBAL_COMMANDS:
        b = c.binding()
        if c.id not in keep:
            b = Binding(b.key, b.action, b.description, show=False, id=b.id, tooltip=b.tooltip)
        out.append(b)
    return out


class BatchbillCommands(Provider):
    """The command palette offers the same commands as the keys."""

    async def discover(self) -> Hits:
        for command in GLOBAL_COMMANDS:
            yield DiscoveryHit(command.title, partial(self._run, command.action), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in GLOBAL_COMMANDS:
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title),
                          partial(self._run, command.action), help=command.help)

    async def _run(self, action: str) -> None:
        await self.app.run_action(action)
