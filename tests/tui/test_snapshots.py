"""Pictures of every screen at 80x24 and 120x36 on the fixed demo book with a
frozen clock (today = 2026-11-15, fixed batch times, no cursor blink).

Update after a deliberate change with ``--snapshot-update``, then look at
each picture (rsvg-convert -o x.png file.svg) before committing it."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import make_app, open_editor, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
EXPORT_DIR = Path("/srv/exports")


async def freeze(pilot) -> None:
    """Wait for the workers, then stop the cursors blinking."""
    from textual.widgets import Input

    await settle(pilot)
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


def keys_then_freeze(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await freeze(pilot)

    return run_before


def draft_id() -> int:
    from store import billing

    return billing.create_batch("October review", "2026-10", ["Maple Leaf Physiotherapy Inc.",
                                                             "Blue Mesa Logistics LLC"], actor="alice").id


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_shows_benchmark_batches_and_invoices(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size, run_before=keys_then_freeze())


@pytest.mark.parametrize("size", SIZES)
def test_batches_list_shows_status_and_invoice_range(snap_compare, book, size):
    draft_id()
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size, run_before=keys_then_freeze("b"))


@pytest.mark.parametrize("size", SIZES)
def test_invoices_list_newest_first(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size, run_before=keys_then_freeze("i"))


@pytest.mark.parametrize("size", SIZES)
def test_search_finds_invoice_by_customer(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("slash", *"hartley"))


@pytest.mark.parametrize("size", SIZES)
def test_invoice_detail_groups_lines(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("i", "down", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog_shows_format_and_destination(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("i", "e"))


@pytest.mark.parametrize("size", SIZES)
def test_batch_editor_tree_with_one_ticket_taken_out(snap_compare, book, size):
    batch = draft_id()

    async def run_before(pilot) -> None:
        await open_editor(pilot, batch)
        for key in ("down", "enter", "down", "enter", "down", "enter", "down", "space"):
            await pilot.press(key)
        await freeze(pilot)

    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_save_confirmation_lists_invoice_previews(snap_compare, book, size):
    batch = draft_id()

    async def run_before(pilot) -> None:
        await open_editor(pilot, batch)
        await pilot.press("ctrl+s")
        await freeze(pilot)

    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_new_batch_dialog_defaults_to_last_month(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size, run_before=keys_then_freeze("n"))


@pytest.mark.parametrize("size", SIZES)
def test_void_dialog_asks_for_a_reason(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("b", "v"))


@pytest.mark.parametrize("size", SIZES)
def test_help_lists_the_keys_of_the_screen(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_a_saved_batchs_invoices(snap_compare, book, size):
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("b", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_delete_draft_asks_first(snap_compare, book, size):
    draft_id()
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("b", "delete"))


@pytest.mark.parametrize("size", SIZES)
def test_void_dialog_warns_about_exported_invoices(snap_compare, book, tmp_path, size):
    from store import exports

    exports.export_invoices(fmt="csv", out_path=str(tmp_path / "out.csv"), actor="alice", batch=1)
    assert snap_compare(make_app(export_dir=EXPORT_DIR), terminal_size=size,
                        run_before=keys_then_freeze("b", "v"))
