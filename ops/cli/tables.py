"""Route views as text for people: one aligned table."""

from __future__ import annotations

from model.routing.view import RuleView


def table(views: list[RuleView]) -> str:
    """An aligned table for people."""
    header = ("listener", "priority", "route", "conditions", "targets", "stickiness")
    rows = [header]
    for v in sorted(views, key=lambda v: (v.listener, v.priority)):
        conditions = " ".join(
            [*(f"path={p}" for p in v.paths), *(f"host={h}" for h in v.hosts),
             *(f"header={h.replace(' ', '')}" for h in v.headers),
             *([f"method={','.join(v.methods)}"] if v.methods else [])])
        if v.fixed_response:
            targets = f"fixed {v.fixed_response}"
        else:
            targets = ", ".join(name if weight is None else f"{name}={weight}"
                                for name, weight in v.targets)
        sticky = f"{v.stickiness}s" if v.stickiness else "-"
        rows.append((v.listener, str(v.priority), v.key, conditions, targets, sticky))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows)
