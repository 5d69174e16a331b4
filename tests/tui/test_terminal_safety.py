"""User data never reaches the terminal raw: control characters (an imported
ESC[2J would clear the screen) are shown escaped, and Rich markup in a name is
text, never markup (a '[/b]' in a batch name ended the app in a notification)."""
from __future__ import annotations

from tests.tui.conftest import burst, make_app, settle

HOSTILE = "Zoë\x1b[2J\x07 [/b]Café[bold]"
SHOWN = "Zoë\\x1b[2J\\x07 [/b]Café[bold]"


def rendered(app) -> str:
    """Every character the screen would draw now."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_control_characters_and_markup_in_names_are_drawn_as_text(book):
    from store.models import Batch, Customer

    Customer.update(name=HOSTILE).where(Customer.name == "Zoë Café GmbH").execute()
    Batch.update(name="Sept\x1b]0;owned\x07 [/i]run").where(Batch.name == "September run").execute()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = rendered(app)
        assert "\x1b" not in screen and "\x07" not in screen
        assert "Zoë\\x1b[2J\\x07 [/b]Café[bold]" in screen
        assert "Sept\\x1b]0;owned\\x07 [/i]run" in screen
        # the invoice: its header and title bar
        await burst(pilot, "slash", *"NS-000003", "enter")
        assert type(app.screen).__name__ == "InvoiceDetailScreen"
        screen = rendered(app)
        assert "\x1b" not in screen and SHOWN in screen
        # dialogs and notifications with the batch's name: text, never markup
        await burst(pilot, "b", "v", *"test", "enter")
        assert app.is_running
        await settle(pilot)
        screen = rendered(app)
        assert "\x1b" not in screen and "\x07" not in screen
        assert any("[/i]run voided" in n.message for n in app._notifications)
