"""``flask eta``: backtest the wait-time promises on a trace."""
from __future__ import annotations

import click

from inbox.eta.backtest import run

eta = click.Group("eta", help="Wait-time predictor tools.")


@eta.command("backtest")
@click.argument("trace", type=click.Path(exists=True, dir_okay=False))
@click.option("--quantile", default=0.9, show_default=True, type=click.FloatRange(0.5, 0.999),
              help="The share of promises that should be kept.")
@click.option("--promises-out", type=click.Path(dir_okay=False),
              help="Write ticket,promised_seconds for every arrival to this CSV file.")
@click.option("--json", "json_output", is_flag=True, help="Print the scores as JSON.")
def backtest(trace: str, quantile: float, promises_out: str | None, json_output: bool) -> None:
    """Replay TRACE through Kept's predictor and the baselines and score every promise."""
    run(trace, quantile, promises_out, json_output)
