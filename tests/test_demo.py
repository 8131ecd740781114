"""Demo data and traffic go through the real webhooks and ingest path."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from inbox import demo
from inbox.extensions import db
from inbox.models import Agent, Message, Team, Ticket


def test_demo_seed_makes_two_teams_an_admin_and_agents_once(app):
    accounts = demo.seed()
    assert accounts is not None and accounts.admin_email == "admin@kept.example"
    assert db.session.scalar(select(func.count(Team.id))) == 2
    assert db.session.scalar(select(func.count(Agent.id)).where(Agent.role == "admin")) == 1
    assert demo.seed() is None


def test_demo_traffic_reaches_the_queue_on_every_channel(app):
    demo.seed()
    stream = demo.customer_messages(random.Random(7))
    delivered = {demo.deliver(app, *next(stream)).split(" ")[0] for _ in range(30)}
    assert delivered == {"email", "x", "chat"}
    channels = set(db.session.scalars(select(Ticket.channel)))
    assert channels == {"email", "x", "chat"}
    assert db.session.scalar(select(func.count(Message.id)).where(Message.direction == "inbound")) == 30


def test_the_traffic_command_runs_a_bounded_stream(app):
    demo.seed()
    result = app.test_cli_runner().invoke(args=["demo", "traffic", "--count", "3", "--rate", "0", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 3
