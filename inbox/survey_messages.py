"""The words and links of a survey, per channel, in the customer's language.

Email gets five clickable ratings (and the 0–10 row when NPS is due); X gets one short line with
a link, as a post or DM has no buttons; the chat widget gets a rating card, described in
``meta["survey"]`` for the widget to draw.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from inbox.models import Survey, Ticket
from inbox.survey_settings import SurveySettings, fill


@dataclass(frozen=True)
class SurveyLinks:
    page: str
    ratings: dict[str, str]
    nps: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyContent:
    text: str
    html: str | None = None
    subject: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def rating_labels() -> dict[str, str]:
    """Names of the five ratings, in the current locale."""
    return {"1": _("Very poor"), "2": _("Poor"), "3": _("Okay"), "4": _("Good"), "5": _("Excellent")}


def compose(survey: Survey, ticket: Ticket, links: SurveyLinks, settings: SurveySettings) -> SurveyContent:
    with force_locale(survey.language):
        values = _values(ticket)
        question = _worded(settings, survey.language, "question", values) or _(
            "How would you rate the help you got with “%(subject)s”?", subject=values["subject"]
        )
        greeting = _("Hi %(name)s,", name=values["name"]) if values["name"] else _("Hello,")
        nps_question = _("How likely are you to recommend us to a friend or colleague?") if links.nps else None
        if survey.channel == "email":
            return _email(ticket, survey.language, links, question, greeting, nps_question)
        if survey.channel == "chat":
            return _chat(links, question, greeting, nps_question)
        return SurveyContent(text=_("%(greeting)s how did we do? One tap to rate: %(url)s",
                                    greeting=greeting, url=links.page))


def thanks_text(settings: SurveySettings, survey: Survey, ticket: Ticket) -> str:
    """The line shown after a rating, admin wording first."""
    with force_locale(survey.language):
        return _worded(settings, survey.language, "thanks", _values(ticket)) or _("Thank you for your rating.")


def _email(ticket: Ticket, language: str, links: SurveyLinks, question: str, greeting: str,
           nps_question: str | None) -> SurveyContent:
    labels = rating_labels()
    lines = [greeting, "", question, ""]
    lines += [f"{score} – {labels[score]}: {url}" for score, url in links.ratings.items()]
    if nps_question:
        lines += ["", nps_question, links.page]
    lines += ["", _("One click records your answer; you can change it by clicking another.")]
    # Rendered straight from the Jinja environment: this runs in a job, outside any request, so the
    # app's request-time context processors (the signed-in agent, the page's CSRF token) do not apply.
    html = current_app.jinja_env.get_template("surveys/email.html").render(
        lang=language, greeting=greeting, question=question, labels=labels, links=links, nps_question=nps_question)
    subject = _("How did we do? · %(subject)s", subject=ticket.subject) if ticket.subject else _("How did we do?")
    return SurveyContent(text="\n".join(lines), html=html, subject=subject)


def _chat(links: SurveyLinks, question: str, greeting: str, nps_question: str | None) -> SurveyContent:
    card: dict[str, Any] = {"question": question, "ratings": dict(links.ratings), "labels": rating_labels(),
                            "page": links.page}
    if nps_question:
        card["nps"] = {"question": nps_question, "scores": dict(links.nps)}
    return SurveyContent(text=f"{greeting} {question} {links.page}", options={"survey": card})


def _values(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    return {"name": customer.first_name if customer else "", "subject": ticket.subject or _("your request"),
            "ticket": ticket.id}


def _worded(settings: SurveySettings, language: str, name: str, values: dict[str, Any]) -> str | None:
    text = settings.text(language, name)
    return fill(text, values) if text else None
