"""Export invoices (one, several or a whole batch) to a file in one of the
accounting formats, then mark them exported.

Files are written atomically (a temporary file in the target directory, then
a rename), split into numbered files where the target limits rows per file,
and only after every file is in place are the invoices marked ``exported``
(status, time, count) in one transaction with an audit event.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from exporters.common import FORMATS, PER_INVOICE, exporter, planner
from exporters.einvoice import document_filename, is_credit_note, refuse_missing
from store import settings
from store.audit import current_actor
from store.db import db
from store.gcpause import no_gc_pauses
from store.errors import ValidationError
from store.invoices import batch_invoices, export_settings, find_batch, load_invoices, void_invoice_numbers
from store.models import AuditEvent, Batch, Invoice, now
from store.text import count, plural


@dataclass
class ExportedFile:
    path: Path
    invoices: int
    rows: int


@dataclass
class ExportResult:
    files: list[Path]
    invoices: int
    rows: int
    reexported: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: list[ExportedFile] = field(default_factory=list)
    format: str = ""
    skipped_void: list[str] = field(default_factory=list)
    previously_exported: list[tuple[str, dt.datetime]] = field(default_factory=list)
    # invoice number -> format of its previous export (absent when no audit event tells)
    previous_formats: dict[str, str] = field(default_factory=dict)
    # per-invoice formats: void invoices that were exported, written as credit notes
    credit_notes: list[str] = field(default_factory=list)
    # what the export made: the file, the first of numbered files, the folder of one file
    # per invoice, or the zip (its parent is where the app offers the next export)
    output: Path | None = None

    def reexport_notices(self, limit: int = 3) -> list[str]:
        """One notice per re-exported invoice, or one summary line when there are
        more than ``limit`` of them (a whole batch exported again)."""
        if len(self.reexported) <= limit:
            return list(self.reexported)
        numbers = [n for n, _ in self.previously_exported]
        last = max(when for _, when in self.previously_exported)
        formats = sorted({self.previous_formats[n] for n in numbers if n in self.previous_formats})
        before = f"{', '.join(formats)}; last on" if formats else "last on"
        return [
            f"{len(numbers)} of {count(self.invoices, 'invoice')} ({numbers[0]} ... {numbers[-1]}) "
            f"{plural(len(numbers), 'was', 'were')} exported before ({before} {_fmt_time(last)}); "
            f"exported again as {self.format}"
        ]




def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "export"


def slug(text: str, limit: int = 60) -> str:
    """A name as a safe file name: accents dropped, lower case ASCII letters, digits and
    dots, every other run of characters one ``-``, none at either end, at most ``limit``
    characters ('2026-11 billing' -> '2026-11-billing', 'Zoë Café / Q3' -> 'zoe-cafe-q3').
    Lower case: two names that differ only by case would meet on a case-blind disk.
    Never a ``_``: the suffixes of :func:`batch_stem` cannot be met by a slug."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9.]+", "-", text).strip("-.")
    return text[:limit].rstrip("-.")


def _stem_among(batch_id: int, names: dict[int, str]) -> str:
    own = slug(names.get(batch_id, ""))
    if not own:
        return f"batch_{batch_id}"
    if any(other != batch_id and slug(name) == own for other, name in names.items()):
        return f"{own}_{batch_id}"
    return own


def batch_stem(batch_id: int) -> str:
    """What a batch's export files and folders are named after: its name as a slug
    ('2026-11 billing' -> '2026-11-billing'); with ``_ID`` when another batch's name
    gives the same slug ('2026-11 Billing!' and '2026-11 billing' -> '2026-11-billing_7'
    and '2026-11-billing_9'); ``batch_ID`` when the name gives nothing ('東京')."""
    return _stem_among(batch_id, dict(Batch.select(Batch.id, Batch.name).tuples()))


def default_filename(fmt: str, *, stem: str | None = None, numbers: Sequence[str] = (),
                     credit_note: bool = False) -> str:
    """For a batch (``stem`` from :func:`batch_stem`): 2026-11-billing-qbo.csv,
    2026-11-billing.iif, 2026-11-billing-xero.csv, 2026-11-billing.csv, and for the
    one-file-per-invoice formats a folder (2026-11-billing-ubl); for invoices:
    INV-000001-qbo.csv, INV-000001.iif... and INV-000001.xml, INV-000001.pdf,
    INV-000001-facturx.pdf for one invoice in a customer format, INV-000001-CN.pdf...
    when that one invoice is a ``credit_note`` (:func:`exporters.einvoice.document_filename`)."""
    _, suffix, ext = FORMATS[fmt]
    if fmt in PER_INVOICE:
        if stem is None and len(numbers) == 1:
            return document_filename(fmt, numbers[0], credit_note=credit_note)
        stem = stem if stem is not None else f"invoices-{_safe_name(numbers[0])}-{len(numbers)}"
        return f"{stem}{suffix}"
    if stem is None:
        stem = _safe_name(numbers[0]) if len(numbers) == 1 else f"invoices-{_safe_name(numbers[0])}-{len(numbers)}"
    return f"{stem}{suffix}{ext}"


def default_names(*, batch: int | None = None, numbers: Sequence[str] | None = None) -> dict[str, str]:
    """Each format's default file (or folder) name for a batch (by id) or invoices: the
    names the command line writes without ``-o``, and the export dialog's defaults
    (one void invoice that was exported: its credit note's names, NUMBER-CN.pdf...)."""
    stem = batch_stem(batch) if batch is not None else None
    numbers = list(numbers or ())
    credit = stem is None and len(numbers) == 1 and is_credit_note_number(numbers[0])
    return {fmt: default_filename(fmt, stem=stem, numbers=numbers, credit_note=credit) for fmt in FORMATS}


def is_credit_note_number(number: str) -> bool:
    """Whether invoice ``number`` is exported as a credit note: void, and exported
    before it was voided (:func:`exporters.einvoice.is_credit_note`)."""
    return Invoice.select().where((Invoice.number == number) & (Invoice.status == "void")
                                  & Invoice.exported_at.is_null(False)).exists()


def numbered_paths(path: Path, count: int) -> list[Path]:
    """[path] for one file; name-1.ext, name-2.ext... for several."""
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, count + 1)]


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _what_is(mode: int) -> str:
    for test, label in _KINDS:
        if test(mode):
            return label
    return "not a regular file"


@dataclass
class Destination:
    """Where an export would go, checked before anything is written.

    ``paths``: the files that would be written (numbered when the output has
    several parts); ``replaces``: those of them that exist (regular files,
    replaced atomically); ``creates``: missing directories that would be made
    (only with ``mkdir``); ``problems``: one line each, why the export is
    refused. Nothing is written while ``problems`` is not empty.
    """

    paths: list[Path]
    problems: list[str] = field(default_factory=list)
    replaces: list[Path] = field(default_factory=list)
    creates: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_destination(path: str | os.PathLike | None, *, default_name: str, parts: int = 1,
                      mkdir: bool = False, directory: str | os.PathLike | None = None) -> Destination:
    """Resolve and check an export target; never writes.

    - no ``path``: ``default_name`` in ``directory`` (or the current directory);
    - an existing directory, or a path ending in ``/``: ``default_name`` inside it;
    - anything else names the file itself (``name-1.ext``, ``name-2.ext``... when
      the output has several ``parts``).

    Refused (a line in ``problems``): a target that exists and is not a regular
    file (directory, FIFO, socket, device) or is a symbolic link; a missing
    directory unless ``mkdir``; a parent that is a file.
    """
    problems: list[str] = []
    text = os.fspath(path) if path not in (None, "") else ""
    if not text:
        target = (Path(directory) if directory else Path()) / default_name
        as_dir = None
    else:
        as_dir = text.endswith(("/", os.sep))
        try:
            base = _expand(text)
        except ValidationError as exc:
            return Destination(paths=[], problems=[str(exc)])
        if as_dir or base.is_dir():
            target = base / default_name
        else:
            target = base
    parent = target.parent
    creates: list[Path] = []
    probe = parent
    while True:
        try:
            st = probe.stat()
        except FileNotFoundError:
            creates.append(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
            continue
        except NotADirectoryError:
            creates.append(probe)
            probe = probe.parent
            continue
        except OSError as exc:
            problems.append(f"cannot use {probe}: {exc.strerror or exc}")
            break
        if not stat.S_ISDIR(st.st_mode):
            problems.append(f"{probe} is {_what_is(st.st_mode) if not stat.S_ISREG(st.st_mode) else 'a file'}, "
                            f"not a directory: cannot write {target}")
        break
    creates.reverse()
    if creates and not problems and not mkdir:
        missing = creates[-1] if as_dir else parent
        problems.append(f"directory {missing} does not exist{_MKDIR_HINT}")
    paths = numbered_paths(target, max(parts, 1))
    replaces: list[Path] = []
    if not creates and not problems:
        for p in paths:
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            except OSError as exc:
                problems.append(f"cannot use {p}: {exc.strerror or exc}")
                continue
            if stat.S_ISLNK(st.st_mode):
                problems.append(f"{p} is a symbolic link: exports never write through a link; "
                                "give the real file or another name")
            elif not stat.S_ISREG(st.st_mode):
                problems.append(f"{p} exists and is {_what_is(st.st_mode)}: exports write only regular "
                                "files; give a file name")
            else:
                replaces.append(p)
    return Destination(paths=paths, problems=problems, replaces=replaces,
                       creates=creates if mkdir else [])


_MKDIR_HINT = " (create it, or ask for it: --mkdir)"


def _expand(text: str | os.PathLike) -> Path:
    """The path with ``~`` and ``~user`` expanded; an unknown user is a refusal in
    one line, not a traceback."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        user = os.fspath(text).split("/", 1)[0]
        raise ValidationError(f"cannot use {text}: {user} is no user's home directory") from None


def _refuse(problems: list[str]) -> None:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise ValidationError(f"{problems[0]}{more}; nothing was written")


def _still_safe(path: Path) -> None:
    """Just before the rename: the target is absent or a regular file (not
    swapped for a link, FIFO or device since the check)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else _what_is(st.st_mode)
        raise ValidationError(f"{path} became {kind} while exporting; nothing was written")


def _write_atomically(payloads: list[tuple[Path, bytes]], mkdir: bool = False) -> None:
    """All files or none: each goes to a temporary file beside its target, every
    one is flushed to disk, then every one is renamed into place. The fsyncs run
    side by side (a batch to Xero is 20-odd files; each fsync waits on the disk,
    not on Python). Only regular files are replaced (see check_destination)."""
    temps: list[tuple[str, Path]] = []
    fds: list[int] = []
    path = None
    umask = _umask()
    try:
        for path, data in payloads:
            if mkdir:
                path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            fds.append(fd)
            temps.append((tmp, path))
            os.fchmod(fd, _file_mode(path, umask))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        if len(fds) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(8, len(fds))) as pool:
                list(pool.map(os.fsync, fds))
        else:
            for fd in fds:
                os.fsync(fd)
        while fds:
            os.close(fds.pop())
        for _, path in temps:
            _still_safe(path)
        for tmp, path in temps:
            os.replace(tmp, path)
    except BaseException as exc:
        for fd in fds:
            os.close(fd)
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        if isinstance(exc, OSError) and path is not None and exc.filename != str(path):
            # the hidden temporary file is ours, not the user's: name the destination
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (setting
    it to read it back is a race with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _file_mode(path: Path, umask: int) -> int:
    """The mode the export gets: an existing file's own (replaced as an editor
    would), else what a new file gets under the umask (0666 & ~umask; mkstemp's
    0600 made exports unreadable to the rest of the team)."""
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return 0o666 & ~umask


@dataclass
class DocumentTargets:
    """Where the files of a customer format go (:func:`_document_targets`): ``paths``
    one per invoice, or the one zip holding them all (``zipped``); ``folder`` when
    the output is a folder of files."""

    paths: list[Path]
    folder: Path | None = None
    zipped: bool = False

    def payloads(self, parts) -> list[tuple[Path, bytes]]:
        """The (path, bytes) pairs to write once the files are made."""
        if self.zipped:
            return [(self.paths[0], _zip_bytes(parts))]
        return [(path, part.data) for path, part in zip(self.paths, parts)]


def _document_targets(names: Sequence[str], out_path, directory, default_name: str, *,
                      single: bool) -> DocumentTargets:
    """Where the files of a customer format go, from their names alone (nothing is
    rendered to know it): one invoice (``single``) to a file (the ``-o`` path, or its
    default name in the current directory or in ``-o DIR``); a batch or several
    invoices to a folder (``-o DIR``, default the batch's name and the format), one
    file per invoice named after it, or into one zip when ``-o`` ends in ``.zip``."""
    base = _expand(out_path) if out_path else (Path(directory) if directory else Path()) / default_name
    if str(base).lower().endswith(".zip") and not base.is_dir():
        return DocumentTargets([_regular_or_absent(base)], zipped=True)
    if single and base.is_dir() and not base.is_symlink():
        return DocumentTargets([_regular_or_absent(base / names[0])])
    if single and not str(out_path or "").endswith(("/", os.sep)):
        return DocumentTargets([_regular_or_absent(base)])
    folder = base
    if folder.is_symlink():
        raise ValidationError(f"{folder} is a symbolic link: exports never write through a link; nothing was written")
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"{folder} exists and is not a folder: give a folder or a name ending in .zip; "
                              "nothing was written")
    if len(set(names)) != len(names):
        raise ValidationError("two invoices would get the same file name; nothing was written")
    return DocumentTargets([_regular_or_absent(folder / name) for name in names], folder)


def _document_problems(targets: DocumentTargets, mkdir: bool) -> list[str]:
    """Why the files of a customer format cannot go where :func:`_document_targets`
    put them. The folder is the export's output, made when missing; its parent only
    with ``mkdir``."""
    problems = []
    folder = targets.folder
    if folder is not None and not mkdir and not folder.exists() and not folder.parent.is_dir():
        problems.append(f"directory {folder.parent} does not exist{_MKDIR_HINT}")
    for path in targets.paths:
        problems += check_destination(path, default_name=path.name, mkdir=mkdir or folder is not None).problems
    return problems


def _regular_or_absent(path: Path) -> Path:
    """``path`` when nothing is there or a regular file (replaced whole); a link, a
    folder, a FIFO or a device is refused: exports write only regular files."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ValidationError(f"{path} exists and is not a regular file (a link, folder, FIFO or device): "
                              "exports write only regular files; nothing was written")
    return path


def _zip_bytes(parts) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            info = zipfile.ZipInfo(part.name, date_time=dt.datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, part.data)
    return buf.getvalue()


@functools.lru_cache(maxsize=64)  # a batch's invoices share their export time
def _fmt_time(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


@dataclass
class _Selection:
    """The invoices an export writes and what it is named after."""

    invoices: list
    default_name: str
    subject: str  # the audit event's
    skipped: list[str] = field(default_factory=list)  # void invoices left out
    batch_id: int | None = None


def _select(fmt: str, numbers: Sequence[str] | None, batch: int | str | None) -> _Selection:
    """The invoices of ``numbers`` or of a saved ``batch`` that format ``fmt`` exports:
    a batch's non-void invoices, plus for the customer formats its void invoices the
    customer already had (their credit notes). Refuses what cannot be exported, with
    the reason (a draft or voided batch, a void invoice, nothing to export)."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if (numbers is None) == (batch is None):
        raise ValidationError("export either invoices or a batch (not both, not neither)")
    documents = fmt in PER_INVOICE
    if batch is not None:
        row = find_batch(batch)
        label = f"batch {row.id} ({row.name})"
        if row.status == "draft":
            raise ValidationError(
                f"batch {row.id} ({row.name}) is a draft: nothing is saved yet, so it has no invoices to export"
            )
        if row.status == "voided" and not documents:
            when = _fmt_time(row.voided_at) if row.voided_at else "?"
            raise ValidationError(
                f"batch {row.id} ({row.name}) was voided on {when} by {row.voided_by or '?'}"
                f" ({row.void_reason or 'no reason given'}): its invoices are void and cannot be exported"
            )
        if documents:  # void invoices the customer had get their credit note; others are skipped
            invoices = [inv for inv in batch_invoices(row.id, include_void=True)
                        if inv.status != "void" or inv.exported_at is not None]
            skipped = [n for n in void_invoice_numbers(row.id) if n not in {i.number for i in invoices}]
        else:
            invoices = batch_invoices(row.id)
            skipped = void_invoice_numbers(row.id)
        if not invoices:
            raise ValidationError(f"{label} has no invoices to export")
        return _Selection(invoices, default_filename(fmt, stem=batch_stem(row.id)), f"batch:{row.id}", skipped,
                          row.id)
    wanted = [str(n).strip() for n in numbers if str(n).strip()]
    if not wanted:
        raise ValidationError("no invoice number given")
    invoices = load_invoices(wanted)
    for inv in invoices:
        if inv.status == "void" and documents and inv.exported_at is None:
            raise ValidationError(
                f"{inv.number} is void and was never exported: the customer never had it, so there is "
                "no credit note to write")
        if inv.status == "void" and not documents:
            raise ValidationError(
                f"{inv.number} is void (batch {inv.batch_id} {inv.batch_name} was voided): "
                "a void invoice cannot be exported"
            )
    subject = f"invoice:{invoices[0].number}" if len(invoices) == 1 else f"invoices:{len(invoices)}"
    credit = len(invoices) == 1 and documents and is_credit_note(invoices[0])
    return _Selection(invoices, default_filename(fmt, numbers=[inv.number for inv in invoices], credit_note=credit),
                      subject)


def _settings():
    return replace(export_settings(), tax_names=settings.tax_names())


@no_gc_pauses()
def export_invoices(
    *,
    fmt: str,
    numbers: Sequence[str] | None = None,
    batch: int | str | None = None,
    out_path: str | os.PathLike | None = None,
    directory: str | os.PathLike | None = None,
    actor: str | None = None,
    mkdir: bool = False,
    progress=None,
) -> ExportResult:
    """Write the invoices (``numbers``) or a saved batch's non-void invoices
    (``batch``: id or name) in format ``fmt`` to ``out_path`` (default: a name
    after the batch or invoice and the format, in ``directory`` or the current
    directory), then mark them exported. Refuses void invoices, draft and
    voided batches, with the reason, and any destination that
    :func:`check_destination` refuses (then nothing is written); missing
    directories are made only with ``mkdir``.

    The customer formats (pdf, ubl, facturx) write one file per invoice, into a
    folder or a zip (:func:`_document_targets`), and write a credit note for a
    void invoice the customer already had (it was exported); ``progress(done,
    total)`` is called after each file is made."""
    if out_path is not None and not os.fspath(out_path).strip():
        raise ValidationError("the destination is empty: give a file or folder (None for the default name); "
                              "nothing was written")
    chosen = _select(fmt, numbers, batch)
    invoices, subject, skipped = chosen.invoices, chosen.subject, chosen.skipped
    export_settings_ = _settings()
    # the destination is checked before anything is rendered (22 PDFs take seconds):
    # a bad -o fails at once, nothing made, nothing written
    if fmt in PER_INVOICE:
        planned = planner(fmt)(invoices, export_settings_)
        refuse_missing(planned.missing, fmt)
        targets = _document_targets(planned.names, out_path, directory, chosen.default_name,
                                    single=batch is None and len(invoices) == 1)
        problems = _document_problems(targets, mkdir)
        if problems:
            _refuse(problems)
        options = {"progress": progress} if progress is not None and fmt in ("pdf", "facturx") else {}
        output = exporter(fmt)(invoices, export_settings_, **options)
        paths = targets.paths
        made = targets.folder if targets.folder is not None else paths[0]
        _write_atomically(targets.payloads(output.parts), mkdir=mkdir or targets.folder is not None)
    else:
        dest = check_destination(out_path, default_name=chosen.default_name, mkdir=mkdir, directory=directory)
        if dest.problems:
            _refuse(dest.problems)
        output = exporter(fmt)(invoices, export_settings_)
        if len(output.parts) > 1:  # split into numbered files: check those names too
            dest = check_destination(out_path, default_name=chosen.default_name, parts=len(output.parts),
                                     mkdir=mkdir, directory=directory)
            if dest.problems:
                _refuse(dest.problems)
        paths = dest.paths
        made = paths[0]
        _write_atomically([(p, part.data) for p, part in zip(paths, output.parts)], mkdir=mkdir)
    credit_notes = [inv.number for inv in invoices if inv.status == "void"]

    previous_formats = _previous_formats([inv for inv in invoices if inv.exported_at is not None])
    reexported = [
        _reexport_notice(inv.number, inv.exported_at, previous_formats.get(inv.number), fmt)
        for inv in invoices if inv.exported_at is not None
    ]
    stamp = now()
    ids_numbers = [inv.number for inv in invoices]
    with db.atomic():
        marked = 0
        mark = Invoice.update(status="exported", exported_at=stamp, export_count=Invoice.export_count + 1)
        if batch is not None:
            # the batch's invoices are exactly the ones exported: one statement, no list of numbers
            marked = mark.where((Invoice.batch == chosen.batch_id) & (Invoice.status != "void")).execute()
        for start in range(0, len(ids_numbers) if batch is None else 0, 500):
            chunk = ids_numbers[start:start + 500]
            marked += mark.where(Invoice.number.in_(chunk) & (Invoice.status != "void")).execute()
        # at = the invoices' exported_at, so a later re-export finds this event (and its format)
        AuditEvent.create(
            at=stamp, actor=actor or current_actor(), action="export", subject=subject,
            details=json.dumps({
                "format": fmt, "files": [str(p) for p in paths], "invoices": len(invoices),
                # a batch export covers the batch's non-void invoices: a sample of numbers is enough
                "numbers": ids_numbers[:50] if batch is not None else ids_numbers,
                "reexported": len(reexported),
            }),
        )
    # the same content warnings as the app's dialog shows before writing (the command
    # line writes at once: it says them after)
    warnings = list(output.warnings) + _currency_warnings(fmt, invoices)
    if marked != len(invoices) - len(credit_notes):
        lost = len(invoices) - len(credit_notes) - marked
        warnings.append(f"{count(lost, 'invoice')} {plural(lost, 'was', 'were')} voided while exporting and "
                        f"{plural(lost, 'was', 'were')} not marked exported")
    return ExportResult(
        files=paths,
        invoices=len(invoices),
        rows=sum(part.rows for part in output.parts),
        reexported=reexported,
        warnings=warnings,
        details=[ExportedFile(p, len(part.invoices), part.rows) for p, part in zip(paths, output.parts)]
        if len(paths) == len(output.parts) else [ExportedFile(paths[0], len(invoices), len(output.parts))],
        format=fmt,
        skipped_void=skipped,
        previously_exported=[(inv.number, inv.exported_at) for inv in invoices if inv.exported_at is not None],
        previous_formats=previous_formats,
        credit_notes=credit_notes,
        output=made.absolute(),
    )


def _reexport_notice(number: str, when, previous_fmt: str | None, fmt: str) -> str:
    """'INV-000012 was exported before (qbo-csv on 2026-11-27 10:11); exported again as qbd-iif'."""
    before = f"{previous_fmt} on" if previous_fmt else "on"
    return f"{number} was exported before ({before} {_fmt_time(when)}); exported again as {fmt}"


def _previous_formats(invoices: Sequence) -> dict[str, str]:
    """The format of each invoice's last export, from the export audit event
    written at its ``exported_at`` (subject ``batch:ID`` for a batch, or the
    invoice numbers in the details). Invoices no event covers are left out."""
    stamps = {inv.exported_at for inv in invoices}
    if not stamps:
        return {}
    events = []
    for ev in (AuditEvent.select(AuditEvent.at, AuditEvent.subject, AuditEvent.details)
               .where((AuditEvent.action == "export") & AuditEvent.at.in_(list(stamps)))
               .order_by(AuditEvent.id.desc())):
        try:
            details = json.loads(ev.details or "{}")
        except ValueError:
            continue
        if isinstance(details, dict) and details.get("format"):
            events.append((ev.at, ev.subject, set(details.get("numbers") or ()), details["format"]))
    found: dict[str, str] = {}
    for inv in invoices:
        for at, subject, numbers, event_fmt in events:
            if at == inv.exported_at and (subject == f"batch:{inv.batch_id}" or inv.number in numbers):
                found[inv.number] = event_fmt
                break
    return found


# --- the terminal app's export dialog: what an export would write, before it does ---------


@dataclass
class ExportPreview:
    """What :func:`export_invoices` would do with these arguments, nothing written:
    ``paths`` the exact files (numbered when the format splits the output),
    ``replaces`` those that exist, ``problems`` one line each why it would be
    refused (nothing is written then), ``warnings`` what concerns the content
    (the user chooses to go on or not), ``invoices`` and ``rows`` how much."""

    fmt: str
    paths: list[Path]
    replaces: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    invoices: int = 0
    rows: int = 0
    # the customer formats: what must be set first (invoice or settings, field, command)
    missing: list[str] = field(default_factory=list)
    # the customer formats: the folder the export makes (it does not exist yet), and
    # the files a .zip destination holds (``paths`` is then the zip alone)
    creates: Path | None = None
    inside: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing


def preview_export(*, fmt: str, numbers: Sequence[str] | None = None, batch: int | str | None = None,
                   out_path: str | os.PathLike | None = None,
                   directory: str | os.PathLike | None = None) -> ExportPreview:
    """The export of ``numbers`` or ``batch`` to ``out_path`` as it would be written:
    the same invoices, the same files, the destination checked as the export checks it
    (plus a directory this user cannot write to). The accounting formats run their
    exporter in memory (cheap, and it tells how many files); the customer formats
    only plan (:func:`exporters.common.planner`): their file names and what is missing,
    no PDF or XML made. An empty ``out_path`` is a problem here: the dialog asks for a
    destination, it never means the current directory."""
    chosen = _select(fmt, numbers, batch)
    invoices = chosen.invoices
    text = os.fspath(out_path).strip() if out_path not in (None, "") else ""
    if not text:
        return ExportPreview(fmt, [], problems=["give a destination file"], invoices=len(invoices))
    export_settings_ = _settings()
    missing: list[str] = []
    warnings: list[str] = []
    creates, inside = None, []
    if fmt in PER_INVOICE:  # the same files the export writes: a file, a folder of them, or a zip
        planned = planner(fmt)(invoices, export_settings_)
        missing, rows = list(planned.missing), planned.rows
        try:
            targets = _document_targets(planned.names, text, directory, chosen.default_name,
                                        single=batch is None and len(invoices) == 1)
        except ValidationError as exc:
            return ExportPreview(fmt, [], problems=[str(exc).removesuffix("; nothing was written")],
                                 invoices=len(invoices), rows=rows, missing=missing)
        paths = targets.paths
        replaces = [path for path in paths if path.is_file()]
        found = _document_problems(targets, mkdir=False)
        folder = targets.folder
        parent = folder.parent if folder is not None and not folder.exists() else paths[0].parent
        creates = folder if folder is not None and not folder.exists() else None
        inside = list(planned.names) if targets.zipped else []
    else:
        output = exporter(fmt)(invoices, export_settings_)
        rows, warnings = sum(part.rows for part in output.parts), list(output.warnings)
        dest = check_destination(text, default_name=chosen.default_name, parts=len(output.parts),
                                 directory=directory)
        paths, replaces, found = dest.paths, dest.replaces, dest.problems
        parent = paths[0].parent if paths else None
    # the command line's way out (--mkdir) is not the dialog's: it makes no directory
    problems = [p.replace(_MKDIR_HINT, ": check the path (no directory is made)") for p in found]
    if not problems and parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        problems.append(f"directory {parent} is not writable (permission denied)")
    warnings += _currency_warnings(fmt, invoices)
    return ExportPreview(fmt, paths, replaces=replaces, problems=problems, warnings=warnings,
                         invoices=len(invoices), rows=rows, missing=missing, creates=creates, inside=inside)


# formats whose files carry no currency: the accounting system reads every amount in its own
_NO_CURRENCY_COLUMN = {"qbo-csv": "QuickBooks Online CSV", "qbd-iif": "QuickBooks Desktop IIF"}


def _currency_warnings(fmt: str, invoices) -> list[str]:
    from store.listing import home_currency

    target = _NO_CURRENCY_COLUMN.get(fmt)
    home = home_currency()
    if target is None or home is None:
        return []
    other: dict[str, list[str]] = {}
    for inv in invoices:
        if inv.currency != home:
            other.setdefault(inv.currency, []).append(inv.number)
    if not other:
        return []
    # one line whatever the number of currencies: the dialog must keep its keys on screen
    counts = ", ".join(f"{count(len(found), 'invoice')} in {currency}" for currency, found in sorted(other.items()))
    first = min(n for found in other.values() for n in found)
    return [f"{target} has no currency column: {counts} (first {first}) would be read as "
            f"{home} amounts by the accounting system"]


def export_checked(**kwargs) -> ExportResult:
    """:func:`export_invoices` for the terminal app: a file that cannot be written
    (permission denied, disk full...) is a one-line reason, never a traceback."""
    try:
        return export_invoices(**kwargs)
    except ValidationError as exc:
        # the command line's way out (--mkdir) is no key of the app
        text = str(exc).replace(_MKDIR_HINT, ": create it, or choose another folder")
        if text == str(exc):
            raise
        raise ValidationError(text) from exc
    except OSError as exc:
        where = kwargs.get("out_path") or exc.filename or "the destination"
        raise ValidationError(f"cannot write {where}: {exc.strerror or exc}; nothing was written") from exc
