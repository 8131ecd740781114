"""``flask eta``: backtest the wait-time promises on a trace."""
from __future__ import annotations

import os
import tempfile

import click
from flask.cli import with_appcontext

from inbox.eta.backtest import run
from inbox.eta.trace import TraceError

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
    try:
        run(trace, quantile, promises_out, json_output)
    except TraceError as error:
        raise click.ClickException(f"{trace}: {error}") from None


@eta.command("backtest-install")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(1, 52),
              help="How many weeks of this install's history to replay.")
@click.option("--team", "team_name", default=None, help="The team's name (default: tickets with no team).")
@click.option("--quantile", default=0.9, show_default=True, type=click.FloatRange(0.5, 0.999))
@click.option("--trace-out", type=click.Path(dir_okay=False),
              help="Keep the exported history here, in the trace format (default: a temporary file).")
@click.option("--promises-out", type=click.Path(dir_okay=False))
@click.option("--json", "json_output", is_flag=True)
@with_appcontext
def backtest_install(weeks: int, team_name: str | None, quantile: float, trace_out: str | None,
                     promises_out: str | None, json_output: bool) -> None:
    """Export this install's history as a trace and run the same backtest on it."""
    from inbox.eta.install_history import write_install_trace

    with tempfile.TemporaryDirectory() as tmp:
        path = trace_out or os.path.join(tmp, "install.jsonl")
        try:
            events = write_install_trace(path, team_name, weeks)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{events} events from the last {weeks} weeks", err=True)
        run(path, quantile, promises_out, json_output)
