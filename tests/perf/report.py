"""The harness's tables: one backend's figures, or several backends side by side."""
from __future__ import annotations

BACKEND_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.0f} {unit}"


def _ratio(r: dict) -> str:
    return f"{r['ratio']:.2f}x ({r['ratio_basis']})" if r.get("ratio") is not None else "-"


def table(results: list[dict]) -> str:
    from tabulate import tabulate

    rows = []
    for r in results:
        floor = r.get("floor")
        rows.append((
            r["name"], _fmt(r["median"], r["unit"]), _fmt(r["p95"], r["unit"]),
            _fmt(floor["median"], r["unit"]) if floor else "-",
            _fmt(floor["p95"], r["unit"]) if floor else "-",
            _ratio(r), r["target"], "yes" if r["met"] else "NO",
        ))
    return tabulate(rows, headers=("measure", "median", "p95", "floor median", "floor p95", "ratio",
                                   "target", "met"))


def _basis_figures(r: dict) -> tuple[str, str]:
    """The figure the verdict uses and its floor (p95 for search and keystroke)."""
    basis = r.get("ratio_basis") or ("p95" if r["name"] == "keystroke" else "median")
    floor = r.get("floor")
    return _fmt(r[basis], r["unit"]), _fmt(floor[basis], r["unit"]) if floor else "-"


def side_by_side(reports: dict[str, dict]) -> str:
    """One row per measure, one group of columns per backend: the figure (the
    median, or the p95 where the target is on the p95), its floor, the ratio and
    the verdict."""
    from tabulate import tabulate

    names: list[str] = []
    for rep in reports.values():
        names.extend(r["name"] for r in rep["results"] if r["name"] not in names)
    by_backend = {b: {r["name"]: r for r in rep["results"]} for b, rep in reports.items()}
    headers = ["measure", "target"]
    for backend in reports:
        label = BACKEND_LABELS.get(backend, backend)
        headers += [label, "floor", "ratio", "met"]
    rows = []
    for name in names:
        target = next((by_backend[b][name]["target"] for b in reports if name in by_backend[b]), "")
        row = [name, target]
        for backend in reports:
            r = by_backend[backend].get(name)
            if r is None:
                row += ["-", "-", "-", "-"]
                continue
            figure, floor = _basis_figures(r)
            row += [figure, floor, f"{r['ratio']:.2f}x" if r.get("ratio") is not None else "-",
                    "yes" if r["met"] else "NO"]
        rows.append(row)
    return tabulate(rows, headers=headers)
