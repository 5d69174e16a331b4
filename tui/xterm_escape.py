"""Escape followed at once by another key is Escape, then that key.

Over SSH (and in tmux) the ESC of the Escape key and the key typed right after
it often arrive in one read. Textual 8.2.8's xterm parser then reads the pair as
one key: ``ESC b`` is ``ctrl+left``, ``ESC e`` is ``alt+e``, ``ESC space`` is
``space``, ``ESC enter`` is ``enter`` (the Escape is lost: a dialog the user
cancelled was confirmed), ``ESC tab`` is ``shift+tab``... The app binds no alt
key, and a user who types Escape and a key means those two keys, so the parser
now gives both: ``escape`` first, then the key, each handled on its own by the
key gate (:mod:`tui.keys`) where the focus is when it lands: after Escape
closed a dialog, the next key goes to the screen behind it.

Only ``ESC [`` and ``ESC O`` (and any other pair that starts a longer sequence
the parser knows: arrows, function keys, mouse, paste) are left to the parser,
which reads on; if nothing follows, its fallback ("alt" + the key) is split the
same way.
"""
from __future__ import annotations

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._xterm_parser import XTermParser

ESC = "\x1b"

_sequence_to_key_events = XTermParser._sequence_to_key_events

# second characters after ESC that begin a longer sequence (CSI, SS3, ...)
INTRODUCERS = frozenset(
    sequence[1] for sequence in ANSI_SEQUENCES_KEYS
    if len(sequence) > 2 and sequence[0] == ESC and sequence[1] != ESC
) | {"[", "O"}


def _escape() -> events.Key:
    return events.Key("escape", ESC)


def _escape_then_key(self, sequence: str, alt: bool = False):
    if alt:
        # the parser's fallback for ESC + a key it could not read as one sequence
        yield _escape()
        yield from _sequence_to_key_events(self, sequence)
        return
    if len(sequence) == 2 and sequence[0] == ESC and sequence[1] != ESC and sequence[1] not in INTRODUCERS:
        yield _escape()
        yield from _sequence_to_key_events(self, sequence[1])
        return
    yield from _sequence_to_key_events(self, sequence)


def apply() -> None:
    if XTermParser._sequence_to_key_events is not _escape_then_key:
        XTermParser._sequence_to_key_events = _escape_then_key
