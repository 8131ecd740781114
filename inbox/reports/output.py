"""What a report hands to the pages, the JSON and the CSV: headline figures, charts and tables.

Every chart names the table that holds its numbers, so the page can show them to people who cannot
see the chart, and the CSV export is the same table.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from inbox.reports.query import ReportRange


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # Index of the column holding ticket ids, which pages turn into links.
    ticket_column: int | None = None
    # Per column: "" plain, "%" a share between 0 and 1, "s" seconds; pages format, CSV stays raw.
    units: list[str] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    kind: str  # bar | line | scatter | heatmap
    title: str
    table: str
    labels: list[Any] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    x_title: str | None = None
    y_title: str | None = None
    stacked: bool = False
    percent: bool = False


@dataclass
class Figure:
    key: str
    label: str
    value: Any
    unit: str = ""  # "%", "s", "" (count)


@dataclass
class Report:
    name: str
    title: str
    range: ReportRange
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def figure(self, key: str) -> Any:
        found = next((f for f in self.figures if f.key == key), None)
        return found.value if found else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title": self.title,
            "range": self.range.as_dict(),
            "figures": {f.key: {"label": f.label, "value": f.value, "unit": f.unit} for f in self.figures},
            "charts": [asdict(c) for c in self.charts],
            "tables": {t.name: asdict(t) for t in self.tables},
            "notes": self.notes,
        }
