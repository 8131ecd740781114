"""Where the reports read SLA clock outcomes: one row per clock run, ``ticket_sla_metrics``.

The SLA engine owns that table; reports only read it. A build without it yet simply shows no
SLA figures rather than failing.
"""
from __future__ import annotations

import importlib
from typing import Any


def metric_model() -> Any:
    """The TicketSLAMetric model, or None in a build that has no SLA clocks."""
    try:
        module = importlib.import_module("inbox.models.sla")
    except ModuleNotFoundError:
        return None
    return getattr(module, "TicketSLAMetric", None)
