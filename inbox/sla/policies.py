"""Which SLA policy applies to a ticket: the first enabled one, in admin order, whose conditions match.

A condition left empty matches anything; a customer-tag condition matches when the customer has
any of the listed tags. Until an admin saves a policy, the built-in defaults apply (first
response: chat 5 minutes, X 1 hour, email 8 business hours); they are not stored, so tickets under
them record no policy id, and :func:`save_defaults` turns them into editable policies.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import SLAPolicy, Ticket
from inbox.models.sla import ESCALATE_ON, METRICS
from inbox.models.tickets import PRIORITIES

HOUR = 3600

# (name, channel, first response, next response, resolution) in business seconds.
_DEFAULTS: tuple[tuple[str, str, int, int, int | None], ...] = (
    ("Chat", "chat", 5 * 60, 5 * 60, None),
    ("X", "x", 1 * HOUR, 2 * HOUR, None),
    ("Email", "email", 8 * HOUR, 8 * HOUR, 40 * HOUR),
)


class PolicyError(ValueError):
    """A policy that cannot be saved; the message says which field and why."""


def default_policies() -> list[SLAPolicy]:
    """The built-in defaults as unsaved policies (version 0), one per channel, warning at 75 %."""
    return [
        SLAPolicy(name=name, position=i, enabled=True, version=0, channels=[channel], priorities=[], team_ids=[],
                  customer_tags=[], customer_tiers=[], languages=[], first_response_seconds=first,
                  next_response_seconds=nxt, resolution_seconds=resolution, warn_percent=75,
                  warn_seconds_before=None, calendar_id=None, escalate_on="breach", escalate_priority=None,
                  escalate_team_id=None, escalate_notify_lead=False)
        for i, (name, channel, first, nxt, resolution) in enumerate(_DEFAULTS)
    ]


def ordered() -> list[SLAPolicy]:
    """Every saved policy, enabled or not, in the order they are tried."""
    return list(db.session.scalars(select(SLAPolicy).order_by(SLAPolicy.position, SLAPolicy.id)))


def candidates() -> list[SLAPolicy]:
    """The policies tried for a ticket: the enabled saved ones, or the defaults if none is saved."""
    saved = ordered()
    if not saved:
        return default_policies()
    return [p for p in saved if p.enabled]


def matches(policy: SLAPolicy, ticket: Ticket) -> bool:
    customer = ticket.customer
    tags = set(customer.tags or []) if customer is not None else set()
    tier = customer.tier if customer is not None else None
    return (
        _any_or(policy.channels, ticket.channel)
        and _any_or(policy.priorities, ticket.priority)
        and _any_or(policy.team_ids, ticket.team_id)
        and _any_or(policy.languages, ticket.language)
        and _any_or(policy.customer_tiers, tier)
        and (not policy.customer_tags or bool(tags & set(policy.customer_tags)))
    )


def _any_or(allowed: Sequence[Any] | None, value: Any) -> bool:
    return not allowed or value in allowed


def select_for(ticket: Ticket, policies: Sequence[SLAPolicy] | None = None) -> SLAPolicy | None:
    """The first policy that matches, or None when none does (the ticket then has no targets)."""
    for policy in candidates() if policies is None else policies:
        if matches(policy, ticket):
            return policy
    return None


def save_defaults() -> list[SLAPolicy]:
    """Store the built-in defaults as editable policies, once (nothing happens if any policy exists)."""
    if db.session.scalar(select(func.count()).select_from(SLAPolicy)):
        return []
    policies = default_policies()
    for policy in policies:
        policy.version = 1
    db.session.add_all(policies)
    db.session.flush()
    return policies


def next_position() -> int:
    top = db.session.scalar(select(func.max(SLAPolicy.position)))
    return 0 if top is None else top + 1


def move(policy: SLAPolicy, offset: int) -> None:
    """Move a policy up (negative) or down in the order, renumbering positions densely."""
    rows = ordered()
    index = rows.index(policy)
    target = max(0, min(len(rows) - 1, index + offset))
    rows.insert(target, rows.pop(index))
    for position, row in enumerate(rows):
        row.position = position


def validate(values: dict[str, Any]) -> None:
    """Check a policy's targets, warning and escalation; raises PolicyError naming the problem."""
    for metric in METRICS:
        seconds = values.get(f"{metric}_seconds")
        if seconds is not None and seconds <= 0:
            label = metric.replace("_", " ")
            raise PolicyError(f"the {label} target must be positive, got {seconds / 60:g} minutes")
    if not any(values.get(f"{metric}_seconds") for metric in METRICS):
        raise PolicyError("set at least one target: first response, next response or resolution")
    percent, before = values.get("warn_percent"), values.get("warn_seconds_before")
    if percent is not None and before is not None:
        raise PolicyError("warn either at a share of the target or some minutes before it, not both")
    if percent is not None and not 1 <= percent <= 99:
        raise PolicyError(f"the warning share must be between 1 and 99 %, got {percent}")
    if before is not None and before <= 0:
        raise PolicyError("the warning must come a positive number of minutes before the target")
    if values.get("escalate_on", "breach") not in ESCALATE_ON:
        raise PolicyError("escalate on a warning or on a breach")
    if values.get("escalate_priority") not in (None, *PRIORITIES):
        raise PolicyError(f"priority must be one of {', '.join(PRIORITIES)}")
    for field in ("priorities",):
        unknown = set(values.get(field) or ()) - set(PRIORITIES)
        if unknown:
            raise PolicyError(f"unknown priority {', '.join(sorted(unknown))}")


def warn_after(policy: SLAPolicy, target_seconds: int) -> float | None:
    """Business seconds into a target at which its warning fires (None: no warning)."""
    if policy.warn_percent:
        return target_seconds * policy.warn_percent / 100
    if policy.warn_seconds_before:
        return float(max(0, target_seconds - policy.warn_seconds_before))
    return None


_DURATION_RE = re.compile(r"(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?",
                          re.IGNORECASE)


def parse_duration(text: str | None, label: str) -> int | None:
    """Business time as typed by an admin: "90" (minutes), "90m", "8h", "1h 30m"; blank is no target."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("-"):
        raise PolicyError(f"the {label} target must be positive, got {text}")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text) * 60
    else:
        match = _DURATION_RE.fullmatch(text)
        if match is None or not any(match.groups()):
            raise PolicyError(f"the {label} target {text!r} is not a duration; write e.g. 90m, 8h or 1h 30m")
        seconds = float(match[1] or 0) * 3600 + float(match[2] or 0) * 60 + int(match[3] or 0)
    if seconds <= 0:
        raise PolicyError(f"the {label} target must be positive, got {text}")
    return round(seconds)


def format_duration(seconds: int | None) -> str:
    """The inverse of :func:`parse_duration`, for filling a form."""
    if not seconds:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if secs:
        return " ".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    if hours and minutes:
        return f"{hours}h {minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"
