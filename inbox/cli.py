"""Command-line tools: ``flask users``, ``flask demo`` (and ``flask eta`` from the predictor)."""
from __future__ import annotations

import random
import secrets
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from inbox.extensions import db

users = AppGroup("users", help="Manage agents.")
demo = AppGroup("demo", help="Demo data and traffic.")


@users.command("create")
@click.argument("email")
@click.option("--password", required=True, help="The agent's password.")
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--admin", is_flag=True, help="Give the admin role.")
def create_user(email: str, password: str, name: str | None, admin: bool) -> None:
    from inbox.models import Agent
    from inbox.web.auth import agent_by_email

    if agent_by_email(email) is not None:
        raise click.ClickException(f"an agent with email {email} already exists")
    if len(password) < 8:
        raise click.ClickException("the password must be at least 8 characters")
    agent = Agent(email=email.strip().lower(), name=name or email.split("@")[0], role="admin" if admin else "agent")
    agent.set_password(password)
    db.session.add(agent)
    db.session.commit()
    click.echo(f"created {'admin' if admin else 'agent'} {agent.email} (id {agent.id})")


@users.command("token")
@click.argument("email")
def create_token(email: str) -> None:
    """Print a new API token for the agent (the previous one stops working)."""
    from inbox.models import Agent
    from inbox.web.auth import agent_by_email

    agent = agent_by_email(email)
    if agent is None:
        raise click.ClickException(f"no agent with email {email}")
    token = secrets.token_urlsafe(32)
    agent.api_token_hash = Agent.hash_token(token)
    db.session.commit()
    click.echo(token)


@demo.command("seed")
def seed_demo() -> None:
    """Two teams, an admin and three agents (once)."""
    from inbox import demo as demo_data

    accounts = demo_data.seed()
    if accounts is None:
        click.echo("agents already exist; nothing seeded")
        return
    click.echo(f"admin: {accounts.admin_email} / {accounts.admin_password}")
    click.echo(f"agents (mika@, jiwoo@, sam@kept.example) password: {accounts.agent_password}")


@demo.command("traffic")
@click.option("--rate", default=0.5, show_default=True, help="Messages per second.")
@click.option("--count", default=0, show_default=True, help="Stop after this many (0: until interrupted).")
@click.option("--seed", "seed_value", default=None, type=int, help="Random seed for a repeatable stream.")
@with_appcontext
def traffic(rate: float, count: int, seed_value: int | None) -> None:
    """Feed realistic fake customers on every channel through the real webhooks and ingest path."""
    from inbox import demo as demo_data

    app = current_app._get_current_object()
    stream = demo_data.customer_messages(random.Random(seed_value))
    sent = 0
    while count == 0 or sent < count:
        click.echo(demo_data.deliver(app, *next(stream)))
        sent += 1
        if count == 0 or sent < count:
            time.sleep(1 / rate if rate > 0 else 0)


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
    try:
        from inbox.eta.cli import eta
    except ImportError:
        return
    app.cli.add_command(eta)
