"""The batchbill terminal app: modes for the dashboard, batches, invoices and
search, each with its own screen stack; dialogs are modal screens. Every
store call runs in a thread worker (:mod:`tui.work`); one handler shows a
failed call as a notification."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from textual import events
from textual.app import App

from store.audit import current_actor
from store.errors import BatchbillError
from store.gcpause import no_gc_pauses
from tui.commands import BatchbillCommands, global_bindings
from tui.keys import KeyGate
from tui import textual_fixes
from tui.screens.dashboard import DashboardScreen
from tui.work import run_store


WORKER_THREADS = 4
textual_fixes.apply()


# The other modes' screens are imported when first opened: a start imports
# only what the dashboard shows (MODES takes a callable that returns a screen).
def _batches_screen():
    from tui.screens.batches import BatchesScreen

    return BatchesScreen()


def _invoices_screen():
    from tui.screens.invoices import InvoicesScreen

    return InvoicesScreen()


def _tickets_screen():
    from tui.screens.tickets import TicketsScreen

    return TicketsScreen()


def _search_screen():
    from tui.screens.search import SearchScreen

    return SearchScreen()


# Toasts (issue 12: they covered the editor's status and the invoice's tax and total
# for their whole time). Decided: an information toast without its own timeout goes
# after 3 s (Textual's 5 s stays for warnings and errors, which must be read); where
# they sit and how tall they are is in app.tcss (ToastRack, Toast).
INFO_TIMEOUT = 3


class BatchbillApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "batchbill"
    ENABLE_COMMAND_PALETTE = True
    # The dashboard, the first mode, is made by get_default_screen and joins MODES once the
    # app runs (on_mount): a screen made through MODES first makes Textual parse the whole
    # stylesheet again from scratch (App._init_mode), a sixth of the CSS work of a start.
    MODES = {
        "batches": _batches_screen,
        "invoices": _invoices_screen,
        "search": _search_screen,
        "tickets": _tickets_screen,
    }
    DEFAULT_MODE = "dashboard"
    BINDINGS = global_bindings()
    COMMANDS = App.COMMANDS | {BatchbillCommands}

    def __init__(self, db_label: str = "", *, today: dt.date | None = None,
                 actor: str | None = None, export_dir: Path | None = None,
                 page_size: int = 20, prefetch=None,
                 gc_hold: contextlib.ExitStack | None = None) -> None:
        super().__init__()
        # the dashboard's first data, loading since before Textual was imported (tui.launch)
        self.prefetch = prefetch
        self._start_gc: contextlib.ExitStack | None = gc_hold  # tui.launch's, from before the imports
        self.animation_level = "none"
        self.db_label = db_label
        self.fixed_today = today
        self.actor = actor or current_actor()
        self.export_dir = Path(export_dir) if export_dir else Path.cwd()
        # where the export dialog (and p on an invoice) offers to write: the folder of the
        # last export of this run, the export directory until then
        self.export_folder = self.export_dir
        self.sub_title = db_label
        self.page_size = page_size  # rows a list holds: one page, loaded from SQL
        self.key_gate = KeyGate(self)

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen()

    def on_mount(self) -> None:
        self.add_mode("dashboard", DashboardScreen)  # its screen is already made: the default one
        # Thread workers run in the loop's default executor and Peewee keeps a
        # connection per thread: a small pool bounds the connections one app
        # holds on a shared PostgreSQL server (the default could be 32).
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="batchbill-store"))
        self.key_gate.start()

    async def on_event(self, event: events.Event) -> None:
        if self.key_gate.take(event):
            return  # let in when the app is done with the keys before it (tui.keys)
        await super().on_event(event)

    def on_load(self) -> None:
        # No garbage-collection pauses from the app's start until the dashboard
        # is filled (started_up): the start builds many objects and no cycle
        # worth a full collection. Reference counting still frees them.
        if self._start_gc is None:
            self._start_gc = contextlib.ExitStack()
            self._start_gc.enter_context(no_gc_pauses())

    def started_up(self) -> None:
        """The dashboard is filled: the collector runs again. Objects from the
        start (modules, widgets) are moved out of its way (gc.freeze): most
        live as long as the app, and later collections need not walk them."""
        if self._start_gc is not None:
            gc.freeze()
            self._end_gc_hold()

    def on_unmount(self) -> None:
        self.key_gate.stop()
        self._end_gc_hold()  # an app that ends before its dashboard is filled

    def _end_gc_hold(self) -> None:
        if self._start_gc is not None:
            self._start_gc.close()
            self._start_gc = None

    @property
    def today(self) -> dt.date:
        return self.fixed_today or dt.date.today()

    # --- navigation -------------------------------------------------------

    async def action_go(self, mode: str) -> None:
        """The area ``mode``, at its first screen (whatever was opened on top of it)."""
        if self.current_mode != mode:
            if mode == "search":
                self.mode_before_search = self.current_mode  # esc in the search box goes back there
            await self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        if mode == "search":
            self.screen.focus_query()
        else:
            self._clear_filters()

    def _clear_filters(self) -> None:
        """An area opened by its key starts afresh (issue 12: text typed into a list's
        filter by mistake stayed, and the dashboard read 'no match' when the user came
        back). Esc back from an invoice does not come here: its list keeps its filter."""
        from tui.widgets.list_panel import ListPanel

        for panel in self.screen.query(ListPanel):
            panel.clear_filter()

    async def leave_search(self) -> None:
        """Back to the area (and the screen in it) where ``/`` was pressed."""
        mode = getattr(self, "mode_before_search", None) or "dashboard"
        if mode == "search" or mode not in self._modes:
            mode = "dashboard"
        await self.switch_mode(mode)

    async def action_search(self) -> None:
        """``/`` from anywhere: the search box, its text selected (the next number replaces it)."""
        await self.action_go("search")

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        rows = []
        seen = set()
        # ours only (each has an id); Textual's own widget keys are left out
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.id or binding.id in seen:
                continue
            seen.add(binding.id)
            rows.append((self.get_key_display(binding),
                         binding.tooltip or binding.description or binding.action))
        rows.append(("↑ ↓", "Move in a list or tree"))
        rows.append(("home end", "A list's first, last row (of the page shown)"))
        if "tab" not in {key for key, _ in rows}:  # a screen that binds tab says what it does
            rows.append(("tab", "Next field or list (shift+tab: back)"))
        rows.append(("ctrl+p", "Command palette: the same commands, by name"))
        self.push_screen(HelpScreen(rows, self.screen.title or self.current_mode))

    def action_new_batch(self) -> None:
        from tui.screens.new_batch import NewBatchDialog

        def created(batch) -> None:
            if batch is not None:
                self.open_draft(batch.id)

        self.push_screen(NewBatchDialog(), created)

    def open_draft(self, batch_id: int) -> None:
        from tui.screens.batch_editor import BatchEditorScreen

        self.push_screen(BatchEditorScreen(batch_id))

    def open_batch(self, summary) -> None:
        if summary.status == "draft":
            self.open_draft(summary.id)
        else:
            from tui.screens.invoices import BatchInvoicesScreen

            self.push_screen(BatchInvoicesScreen(batch=summary))

    def open_batch_id(self, batch_id: int) -> None:
        from store import billing

        run_store(self, billing.get_batch, batch_id, done=self.open_batch, group="open-batch")

    def open_invoice(self, number: str) -> None:
        from tui.screens.invoice_detail import InvoiceDetailScreen

        self.push_screen(InvoiceDetailScreen(number))

    def export_invoices(self, numbers: list[str], *, status: str | None = None,
                        then: Callable[[], None] | None = None) -> None:
        """The export dialog for these invoices; ``status``: the one invoice's status
        when the caller knows it (a void invoice is refused here, before the dialog);
        ``then``: called after a successful export (a screen showing the invoice reloads)."""
        from tui.screens.export_dialog import ExportDialog

        if status == "void":
            self.notify(f"{numbers[0]} is void: a void invoice cannot be exported.", severity="warning")
            return

        def exported(result) -> None:
            if result is not None and then is not None:
                then()

        self.push_screen(ExportDialog(numbers=numbers), callback=exported)

    def export_batch(self, summary) -> None:
        from tui.screens.export_dialog import ExportDialog

        if summary.status == "draft":
            self.notify("A draft has no invoices yet: save it first.", severity="warning")
            return
        if summary.status == "voided":
            self.notify(f"Batch {summary.name} was voided: its invoices are void and cannot be exported.",
                        severity="warning")
            return
        self.push_screen(ExportDialog(batch=summary))

    def void_batch(self, summary, then: Callable[[], None] | None = None) -> None:
        from store import billing
        from tui.screens.void_dialog import VoidDialog

        def reason_given(reason: str | None) -> None:
            if not reason:
                return

            def voided(result) -> None:
                self.notify(f"Batch {result.name} voided: its items can be billed again.")
                if then is not None:
                    then()

            run_store(self, billing.void_batch, summary.id, reason, actor=self.actor,
                      done=voided, group="void")

        self.push_screen(VoidDialog(summary), reason_given)

    async def action_quit(self) -> None:
        """Quit, after writing any draft selection not yet saved."""
        from tui.screens.batch_editor import BatchEditorScreen

        pending = []
        for stack in self._screen_stacks.values():
            for screen in stack:
                if isinstance(screen, BatchEditorScreen):
                    worker = screen.flush()
                    if worker is not None:
                        pending.append(worker)
        for worker in pending:
            try:
                await worker.wait()
            except Exception:  # cancelled or failed: its error was already shown
                pass
        self.exit()

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Textual's notify, for messages that hold user data (names, reasons,
        paths): never read as markup, control characters escaped (tui.format.safe)."""
        from tui.format import safe

        if timeout is None and severity == "information":
            timeout = INFO_TIMEOUT
        super().notify(safe(message), title=safe(title), severity=severity, timeout=timeout,
                       markup=markup)

    # --- errors -------------------------------------------------------------

    def store_error(self, error: BaseException) -> None:
        """The one handler for a failed store call: a user's mistake is shown
        as its message; anything else as an unexpected error, and logged."""
        if isinstance(error, BatchbillError):
            self.notify(str(error), title="batchbill", severity="error", timeout=8)
        else:
            self.log.error(repr(error))
            self.notify(f"{type(error).__name__}: {error}", title="Unexpected error",
                        severity="error", timeout=10)




def run(target: str | None) -> int:
    """Open the database and run the app (see :func:`tui.launch.run`)."""
    from tui.launch import run as launch

    return launch(target)
