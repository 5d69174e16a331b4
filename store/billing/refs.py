"""Refs: the names of plan nodes that ``--exclude`` takes and drafts keep
(``ticket:123``, ``contract:7@2026-10``...), parsed and checked; the ledger's
kinds; a draft's reviewed refs encoded compactly.
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Iterable

from store.errors import ValidationError


ONCE = "*"  # ledger period of one-time sources (tickets, expenses, project fees)


RECURRING_KINDS = ("service_item", "device", "block", "overage")


def parse_ref(ref: str) -> tuple[str, int, str | None]:
    """``kind:id`` or ``kind:id@period`` -> (kind, id, period). Not remembered:
    a cache of every ref of a whole-book plan held a tuple per item for the
    life of the process (about 2 MB on 2,000 customers), for a split and an int()."""
    try:
        kind, rest = ref.split(":", 1)
        ident, _, period = rest.partition("@")
        return kind, int(ident), (period or None)
    except ValueError:
        raise ValidationError(
            f"bad item reference {ref!r}: expected e.g. ticket:123, customer:4 or contract:7@2026-10"
        ) from None


_REF_KINDS = {"customer", "contract", "ticket", "expense", "service_item", "device", "block",
              "overage", "project", "time_entry"}


def check_refs(refs: Iterable[str]) -> frozenset[str]:
    out = set()
    for ref in refs:
        ref = ref.strip()
        kind, _, _ = parse_ref(ref)
        if kind not in _REF_KINDS:
            raise ValidationError(
                f"bad item reference {ref!r}: unknown kind {kind!r} "
                f"(one of {', '.join(sorted(_REF_KINDS))})"
            )
        out.add(ref)
    return frozenset(out)


def _encode_refs(refs: Iterable[str]) -> str:
    """Refs grouped by kind and period, ids only: {"ticket": [3, 4], "device@2026-10": [7]}."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        kind, sid, period = parse_ref(ref)
        grouped[f"{kind}@{period}" if period else kind].append(sid)
    return json.dumps(grouped, separators=(",", ":"), sort_keys=True)


def _decode_refs(text: str) -> list[str]:
    if not text:
        return []
    out = []
    for key, ids in json.loads(text).items():
        kind, _, period = key.partition("@")
        out.extend(f"{kind}:{i}@{period}" if period else f"{kind}:{i}" for i in ids)
    return out
