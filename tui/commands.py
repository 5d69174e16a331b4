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
    Command("tickets", "T", "Tickets", "Tickets", "Tickets by customer: status, and what billed them",
            "app.go('tickets')", show=False),  # in the dashboard's footer only: the others have no room
    Command("search", "slash", "Search", "Search", "Search invoices and batches as you type",
            "app.search"),
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


def hidden_global_bindings(*ids: str) -> list[Binding]:
    """The global keys ``ids`` again, left out of the footer (e.g. the key of
    the area the screen is in): they still work and help lists them."""
    return [Binding(c.key, c.action, c.footer, show=False, id=f"batchbill.{c.id}", tooltip=c.help)
            for c in GLOBAL_COMMANDS if c.id in ids]


# Commands of other screens the palette names where they are not keys (typing
# "void" or "save" on the dashboard found nothing): (binding id that makes the
# entry redundant, title, where it is, action that goes there)
ELSEWHERE: tuple[tuple[str, str, str, str], ...] = (
    ("batches.void", "Void a batch", "on Batches (b): highlight a saved batch, v", "app.go('batches')"),
    ("invoice.void", "Void an invoice", "on an invoice (enter on it in Invoices, i): v", "app.go('invoices')"),
    ("editor.save", "Save a batch (bill it)", "in the batch editor: ctrl+s; n starts a new batch",
     "app.new_batch"),
    ("batches.delete", "Delete a draft batch", "on Batches (b): highlight the draft, delete",
     "app.go('batches')"),
)


class BatchbillCommands(Provider):
    """The command palette offers the same commands as the keys: the global
    ones and those of the screen it was opened from."""

    def _commands(self):
        """(title, help, action, node) for every command available here."""
        out = [(c.title, c.help, c.action, None) for c in GLOBAL_COMMANDS]
        ours = {f"batchbill.{c.id}" for c in GLOBAL_COMMANDS}
        seen = set(ours)
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.id or binding.id in seen or not active.enabled:
                continue
            if binding.id.startswith("list.") and binding.id != "list.open":
                continue  # cursor movement is not a command
            seen.add(binding.id)
            # the footer's word too ("Save", "Void"): the tooltip may not hold it
            title = binding.tooltip or binding.description
            if binding.description and binding.description.casefold() not in title.casefold():
                title = f"{binding.description}: {title}"
            out.append((title, f"key: {binding.key}", binding.action, active.node))
        out.extend((title, where, action, None) for needed, title, where, action in ELSEWHERE
                   if needed not in seen)
        return out

    async def discover(self) -> Hits:
        for title, help_text, action, node in self._commands():
            yield DiscoveryHit(title, partial(self._run, action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action, node in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action, node),
                          help=help_text)

    async def _run(self, action: str, node=None) -> None:
        await self.app.run_action(action, node)
