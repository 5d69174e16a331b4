"""The batch editor's tree: customer -> contract -> period -> items.

The selection is never kept in the labels: the screen holds the exclusion
set the billing service returns, and ``render_label`` asks the service for
each visible node's state ([x] all, [-] some, [ ] none, [L] locked).
Children are added when a node is expanded, so the tree holds only what the
user opened, even for 2,000 customers.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from store import billing
from store.domain import Plan, PlanContract, PlanCustomer, PlanItem, PlanPeriod
from store.money import hours_from_minutes
from tui.format import money, safe, totals

HOURS = Decimal("0.01")
MARKS = {"all": "[x] ", "some": "[-] ", "none": "[ ] ", "locked": "[L] "}


@dataclass(frozen=True)
class PlanNode:
    ref: str
    level: str  # customer | contract | period | item | entry
    source: PlanCustomer | PlanContract | PlanPeriod | PlanItem


def _title(node: PlanNode) -> str:
    """The node's label text (user data escaped: tui.format.safe)."""
    src = node.source
    if node.level == "customer":
        return safe(src.name)
    if node.level == "contract":
        return safe(f"{src.name} ({src.type}, {src.billing_period})")
    if node.level == "period":
        return f"period {src.period}"
    return safe(src.description)


def lock_reason(data: PlanNode) -> str:
    """Why a node cannot be selected: the first locked period's (or item's) reason."""
    src = data.source
    periods = []
    if data.level == "customer":
        periods = [pe for co in src.contracts for pe in co.periods]
    elif data.level == "contract":
        periods = list(src.periods)
    elif data.level == "period":
        periods = [src]
    elif data.level in ("item", "entry"):
        return safe(getattr(src, "lock_reason", "") or "locked")
    for pe in periods:
        if pe.lock_reason:
            return safe(pe.lock_reason)
        for it in pe.items:
            if it.lock_reason:
                return safe(it.lock_reason)
    return "nothing selectable"


class PlanTree(Tree[PlanNode]):
    """A tree of a plan whose check marks come from the exclusion set."""

    BINDINGS = [
        Binding("space", "screen.toggle", "Toggle", id="editor.toggle",
                tooltip="Take the node and its subtree out of the batch, or put it back"),
        Binding("enter", "toggle_node", "Open", id="editor.expand",
                tooltip="Show or hide what is under the node"),
        Binding("right", "open_node", "Open", show=False, id="editor.open_node"),
        Binding("left", "close_node", "Close", show=False, id="editor.close_node"),
    ]

    ICON_NODE = "> "
    ICON_NODE_EXPANDED = "v "

    def __init__(self, **kwargs) -> None:
        super().__init__("plan", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self.plan: Plan | None = None
        self.excluded: frozenset[str] = frozenset()
        self._states: dict[str, str] = {}
        self._amounts: dict[str, str] = {}

    def show_plan(self, plan: Plan, excluded: frozenset[str],
                  keep: tuple[frozenset[str], tuple[str, ...]] | None = None) -> None:
        """Replace the tree (customers only; the rest comes on expand).

        ``keep`` (from :meth:`view_state`) opens again the nodes that were
        open and puts the cursor back on the same node (or its nearest
        ancestor still in the plan): a new detail level keeps the view."""
        self.plan = plan
        self.excluded = excluded
        self._forget()
        self.clear()
        for customer in plan.customers:
            self.root.add(Text(_title(PlanNode(customer.ref, "customer", customer))),
                          data=PlanNode(customer.ref, "customer", customer),
                          allow_expand=bool(customer.contracts))
        self.root.expand()
        if keep is not None:
            self._restore(*keep)
            return
        if len(plan.customers) == 1:
            self.expand_node(self.root.children[0])
        if plan.customers:
            self.cursor_line = 0

    def view_state(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """(refs of the open nodes, refs from the cursor's node up to its customer)."""
        opened = set()
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.is_expanded and node.data is not None:
                opened.add(node.data.ref)
                stack.extend(node.children)
        chain = []
        node = self.cursor_node
        while node is not None and node is not self.root:
            if node.data is not None:
                chain.append(node.data.ref)
            node = node.parent
        return frozenset(opened), tuple(chain)

    def _restore(self, opened: frozenset[str], cursor_chain: tuple[str, ...]) -> None:
        found = {}
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.data is None:
                continue
            found[node.data.ref] = node
            if node.data.ref in opened and node.allow_expand:
                self.expand_node(node)
                stack.extend(node.children)
        for ref in cursor_chain:
            if ref in found:
                self._tree_lines  # noqa: B018 - lay the lines out, so the node has its line
                self.move_cursor(found[ref])
                return
        if self.plan.customers:
            self.cursor_line = 0

    def set_excluded(self, excluded: frozenset[str]) -> None:
        self.excluded = excluded
        self._forget()
        # Only the rendered lines go: the tree lines (and the widths Textual measured from every
        # label) stay. Rebuilding them rendered all 2,000 customers' labels on each press. A mark
        # is fixed width, and labels are cut to the widget's width, so a new total fits the line.
        self._line_cache.clear()
        self.refresh()

    def _forget(self) -> None:
        self._states.clear()
        self._amounts.clear()

    def action_open_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            self.expand_node(node)

    def action_close_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    # --- lazy children ----------------------------------------------------------

    def expand_node(self, node: TreeNode[PlanNode]) -> None:
        """Expand, adding the children first if this is the first time."""
        if node.data is not None and not node.children:
            self.add_children(node)
        node.expand()

    def _toggle_node(self, node: TreeNode[PlanNode]) -> None:
        if not node.allow_expand:
            return
        if node.is_expanded:
            node.collapse()
        else:
            self.expand_node(node)

    def add_children(self, node: TreeNode[PlanNode]) -> None:
        data = node.data
        src = data.source
        if data.level == "customer":
            for co in src.contracts:
                node.add(Text(_title(PlanNode(co.ref, "contract", co))), data=PlanNode(co.ref, "contract", co),
                         allow_expand=bool(co.periods))
        elif data.level == "contract":
            for pe in src.periods:
                node.add(Text(_title(PlanNode(pe.ref, "period", pe))), data=PlanNode(pe.ref, "period", pe),
                         allow_expand=bool(pe.items))
        elif data.level == "period":
            for it in src.items:
                node.add(Text(safe(it.description)), data=PlanNode(it.ref, "item", it),
                         allow_expand=bool(it.children))
        elif data.level == "item":
            for ch in src.children:
                node.add_leaf(Text(safe(ch.description)), data=PlanNode(ch.ref, "entry", ch))

    # --- state --------------------------------------------------------------------

    def state_of(self, data: PlanNode) -> str:
        state = self._states.get(data.ref)
        if state is None:
            state = billing.node_state(self.plan, self.excluded, data.ref)
            self._states[data.ref] = state
        return state

    def amount_of(self, data: PlanNode) -> str:
        """The selected amount under the node: "-" for a node left out, whatever its
        level (issue 12: a left-out ticket or item kept its full amount, a left-out
        contract showed "-"); a ticket with some of its time entries left out, the
        hours and amount it bills now. Cached until the selection changes."""
        text = self._amounts.get(data.ref)
        if text is None:
            src = data.source
            state = self.state_of(data)
            if data.level == "entry":
                if src.minutes:
                    text = "-" if state == "none" else f"{src.minutes} min  {money(src.amount, src.currency)}"
                elif src.minutes_worked:
                    text = f"{src.minutes_worked} min, not billable"
                else:
                    text = ""
            elif data.level == "item":
                if state == "none":
                    text = "-"
                elif src.kind == "ticket" and state == "some":
                    # some of its time entries left out: the hours and amount it bills now
                    minutes = sum(ch.minutes for ch in src.children
                                  if ch.minutes and billing.is_selected(self.plan, self.excluded, ch.ref))
                    amount = totals(billing.selection_totals(self.plan, self.excluded, data.ref))
                    text = f"{hours_from_minutes(minutes).quantize(HOURS)} h  {amount}"
                elif src.kind == "ticket":
                    text = f"{src.quantity.quantize(HOURS)} h  {money(src.amount, src.currency)}"
                else:
                    text = money(src.amount, src.currency)
            elif state == "locked":
                text = "locked"  # the reason shows in the status line when highlighted
            else:
                text = totals(billing.selection_totals(self.plan, self.excluded, data.ref))
            self._amounts[data.ref] = text
        return text

    def render_label(self, node: TreeNode[PlanNode], base_style: Style, style: Style) -> Text:
        data = node.data
        if data is None or self.plan is None:
            return super().render_label(node, base_style, style)
        state = self.state_of(data)
        mark = MARKS[state]  # a time entry has its own check box (left out on its own)
        if node._allow_expand:
            prefix = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        else:
            prefix = "  "
        amount = self.amount_of(data)
        title = node._label.plain
        # keep the amount on screen: the description gives way (guides + icon + mark + gap)
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        room = self.size.width - 2 - depth * self.guide_depth - 8 - (len(amount) + 2 if amount else 0)
        if self.size.width and len(title) > max(12, room):
            title = title[: max(12, room) - 1] + "…"
        label = Text.assemble(
            (prefix, base_style),
            (mark, base_style + Style(bold=state != "none")),
            (title, style + Style(dim=state in ("none", "locked"))),
        )
        if amount:
            label.append("  ")
            label.append(amount, style=style + Style(dim=True, italic=state == "locked"))
        return label
