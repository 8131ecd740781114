"""The admin's promise page: the quantile, notices per channel, and notice wording with a preview."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from inbox import promises
from inbox.extensions import db
from inbox.ingest import ingest
from inbox.models import SandboxDelivery, Ticket
from inbox.models.promises import NoticeTemplate
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.config(PROMISES_ENABLED=True)
EDIT = "/admin/notices/email/default/en/notice"


@pytest.fixture
def admin(client, make_agent):  # noqa: ANN001, ANN201
    make_agent("admin@kept.example", role="admin")
    return login(client, "admin@kept.example")


def test_agents_who_are_not_admins_cannot_open_the_page(client, make_agent):
    make_agent("agent@kept.example")
    login(client, "agent@kept.example")
    assert client.get("/admin/notices/").status_code == 403
    assert client.get(EDIT).status_code == 403


def test_the_admin_sets_the_quantile_and_which_channels_get_notices(client, admin):
    page = client.get("/admin/notices/")
    assert page.status_code == 200 and 'value="0.90"' in page.text
    response = client.post("/admin/notices/settings", data={"csrf_token": admin, "quantile": "0.8",
                                                            "notice_email": "on", "notice_chat": "on"})
    assert response.status_code == 302
    saved = promises.settings()
    assert saved.quantile == 0.8 and saved.notices == {"email": True, "x": False, "chat": True}


def test_a_quantile_outside_the_range_is_refused(client, admin):
    client.post("/admin/notices/settings", data={"csrf_token": admin, "quantile": "1.5"})
    assert promises.settings().quantile == 0.9
    assert "Not saved: the quantile must be between 0.5 and 0.99" in client.get("/admin/notices/").text


def test_the_preview_renders_the_newest_tickets_real_variables(client, admin):
    ticket = db.session.get(Ticket, ingest(factories.email(name="Ana Lima")).ticket_id)
    page = client.get(EDIT)
    assert page.status_code == 200
    assert f"With ticket #{ticket.id} and its live promise." in page.text
    assert f"Hi Ana,\n\nThank you for writing to us. Your request is #{ticket.id}." in page.text


def test_an_admins_wording_is_used_for_the_next_notice(app, client, admin):
    body = "Dear {{ customer_name }}, {{ ticket_ref }} will be answered {{ promise_absolute }}."
    response = client.post(EDIT, data={"csrf_token": admin, "action": "save", "subject": "Got it: {{ subject }}",
                                       "body": body})
    assert response.status_code == 302
    ticket = db.session.get(Ticket, ingest(factories.email(name="Ana Lima")).ticket_id)
    app.extensions["kept_jobs"].run_due()
    delivery = db.session.scalar(select(SandboxDelivery))
    assert delivery.subject == "Got it: Order 1234"
    assert delivery.text.startswith(f"Dear Ana Lima, #{ticket.id} will be answered by ")


def test_a_template_that_does_not_render_is_not_saved(client, admin):
    response = client.post(EDIT, data={"csrf_token": admin, "action": "save", "body": "Hi {{ first_name.__class__ }"})
    assert response.status_code == 400 and "Not saved" in response.text
    assert db.session.scalar(select(NoticeTemplate)) is None


def test_a_template_may_not_reach_into_python_objects(client, admin):
    body = "{{ first_name.__class__.__mro__ }}"
    response = client.post(EDIT, data={"csrf_token": admin, "action": "save", "body": body})
    assert response.status_code == 400
    assert db.session.scalar(select(NoticeTemplate)) is None


def test_a_public_x_notice_longer_than_one_post_is_refused(client, admin):
    long_body = "We will reply {{ promise_absolute }}. " + "Thank you for your patience! " * 12
    response = client.post("/admin/notices/x/public/en/notice", data={"csrf_token": admin, "action": "save",
                                                                      "body": long_body})
    assert response.status_code == 400 and "must fit one post" in response.text
    assert db.session.scalar(select(NoticeTemplate)) is None


def test_restoring_the_built_in_wording_removes_the_admins(client, admin):
    client.post(EDIT, data={"csrf_token": admin, "action": "save", "body": "Custom {{ ticket_ref }}"})
    assert db.session.scalar(select(NoticeTemplate)) is not None
    client.post(EDIT, data={"csrf_token": admin, "action": "reset"})
    assert db.session.scalar(select(NoticeTemplate)) is None
