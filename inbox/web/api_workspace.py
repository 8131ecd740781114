"""The workspace's JSON API: the queue by keyset, saved views, the composer (collision check,
canned replies, X counting), tags, merges, presence and team assignment rules.

Same authentication as :mod:`inbox.web.api` (bearer token, or the session plus X-CSRFToken);
each view's docstring carries its OpenAPI operation.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import FileStorage

from channels.base import Attachment
from inbox import assignment, canned, collision, mentions, merge, presence, queue, tags, tickets, views
from inbox.extensions import csrf, db
from inbox.models import Agent, CannedReply, Customer, Team, Ticket
from inbox.models.agents import PRESENCE
from inbox.models.workspace import ASSIGNMENT_MODES
from inbox.presenters import message_dict, ticket_summary
from inbox.web.api_auth import api_error, api_login_required, current_agent, json_body, visible_ticket

bp = Blueprint("api_workspace", __name__)
# Like inbox.web.api, these views check CSRF themselves: bearer-token calls need none.
csrf.exempt(bp)


class QueuePageSchema(Schema):
    tickets = fields.List(fields.Nested("TicketSchema"))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as ?cursor= for the next page"})


class SavedViewSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    filters = fields.Dict(required=True, metadata={"description": "queue query parameters"})
    shared = fields.Boolean(load_default=False)


class ComposeSchema(Schema):
    kind = fields.String(load_default="reply", validate=validate.OneOf(["reply", "note"]))
    text = fields.String(required=True)
    channel = fields.String(allow_none=True, metadata={"description": "another channel of the same customer"})
    last_seen_message_id = fields.Integer(allow_none=True, metadata={
        "description": "newest message the composer showed; a newer one by someone else answers 409"})
    force = fields.Boolean(load_default=False, metadata={"description": "send even if others wrote meanwhile"})


class ConflictSchema(Schema):
    error = fields.String()
    messages = fields.List(fields.Nested("MessageSchema"))


class CountSchema(Schema):
    channel = fields.String(required=True)
    text = fields.String(required=True)


class CountResultSchema(Schema):
    count = fields.Integer()
    limit = fields.Integer(allow_none=True)
    parts = fields.Integer(metadata={"description": "posts the reply is split into"})


class CannedSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    language = fields.String(allow_none=True)
    team_id = fields.Integer(allow_none=True)


class TagsSchema(Schema):
    tags = fields.List(fields.String(), required=True)


class MergeSchema(Schema):
    into = fields.Integer(required=True, metadata={"description": "id of the record that remains"})


class PresenceSchema(Schema):
    presence = fields.String(required=True, validate=validate.OneOf(PRESENCE))


class AssignmentRuleSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_MODES))


@bp.get("/queue")
@api_login_required
def queue_page():
    """The work order, one keyset page at a time: breached first, then soonest due.
    ---
    get:
      summary: Queue page
      parameters:
        - {in: query, name: view, schema: {type: string, enum: [all, mine, unassigned, breaching]}}
        - {in: query, name: status, schema: {type: string}, description: "comma-separated; default the open ones"}
        - {in: query, name: channel, schema: {type: string}}
        - {in: query, name: priority, schema: {type: string}}
        - {in: query, name: team_id, schema: {type: integer}}
        - {in: query, name: assignee_id, schema: {type: integer}}
        - {in: query, name: unassigned, schema: {type: boolean}}
        - {in: query, name: tag, schema: {type: string}}
        - {in: query, name: breaching, schema: {type: boolean}, description: due within QUEUE_BREACHING_SOON_MINUTES}
        - {in: query, name: q, schema: {type: string}, description: search subjects and messages}
        - {in: query, name: cursor, schema: {type: string}}
        - {in: query, name: limit, schema: {type: integer, default: 50, maximum: 200}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: QueuePageSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    agent = current_agent()
    try:
        flt = views.filter_from_params(request.args, agent)
        cursor = queue.Cursor.decode(request.args["cursor"]) if request.args.get("cursor") else None
        limit = min(200, max(1, int(request.args.get("limit", 50))))
    except views.ViewError as error:
        return api_error(400, str(error))
    except ValueError:
        return api_error(400, "cursor or limit is malformed")
    result = queue.page(agent, flt, after=cursor, limit=limit)
    return jsonify(tickets=[ticket_summary(t) for t in result.tickets],
                   next_cursor=result.next_cursor.encode() if result.next_cursor else None)


@bp.get("/queue/<int:ticket_id>")
@api_login_required
def queue_row(ticket_id: int):
    """One queue row, to refresh it after an SLA warning or breach.
    ---
    get:
      summary: Queue row
      parameters: [{in: path, name: ticket_id, required: true, schema: {type: integer}}]
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: TicketSchema}}}
        404: {content: {application/json: {schema: ErrorSchema}}}
    """
    return jsonify(ticket_summary(visible_ticket(ticket_id)))


@bp.get("/views")
@api_login_required
def list_views():
    """Saved views: the agent's own and the shared ones.
    ---
    get:
      summary: List saved views
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: {type: array, items: SavedViewSchema}}}}
    """
    return jsonify([_view_dict(v) for v in views.saved_views(current_agent())])


@bp.post("/views")
@api_login_required
def create_view():
    """Save the current filters under a name (admins may share with everyone).
    ---
    post:
      summary: Save a view
      requestBody: {required: true, content: {application/json: {schema: SavedViewSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        201: {content: {application/json: {schema: SavedViewSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    body = json_body(SavedViewSchema())
    try:
        view = views.save_view(current_agent(), body["name"], body["filters"], shared=body["shared"])
    except views.ViewError as error:
        return api_error(400, str(error))
    return jsonify(_view_dict(view)), 201


@bp.delete("/views/<int:view_id>")
@api_login_required
def delete_view(view_id: int):
    """Delete one of the agent's views (admins also shared ones).
    ---
    delete:
      summary: Delete a view
      parameters: [{in: path, name: view_id, required: true, schema: {type: integer}}]
      security: [{bearer: []}, {session: []}]
      responses:
        204: {description: deleted}
        404: {content: {application/json: {schema: ErrorSchema}}}
    """
    if not views.delete_view(current_agent(), view_id):
        return api_error(404, "not found")
    return "", 204


@bp.post("/tickets/<int:ticket_id>/messages")
@api_login_required
def compose(ticket_id: int):
    """Send a reply or add a note from the composer; JSON, or multipart with ``files`` (email).
    ---
    post:
      summary: Reply or note, with collision check
      parameters: [{in: path, name: ticket_id, required: true, schema: {type: integer}}]
      requestBody:
        required: true
        content:
          application/json: {schema: ComposeSchema}
          multipart/form-data: {schema: ComposeSchema}
      security: [{bearer: []}, {session: []}]
      responses:
        201: {content: {application/json: {schema: MessageSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
        409: {content: {application/json: {schema: ConflictSchema}}}
    """
    ticket = visible_ticket(ticket_id)
    agent = current_agent()
    if request.mimetype == "multipart/form-data":
        raw = {k: v for k, v in request.form.items() if v != ""}
        raw["force"] = raw.get("force") in ("1", "true", "on")
        errors = ComposeSchema().validate(raw)
        if errors:
            return api_error(400, f"invalid request: {errors}")
        body = ComposeSchema().load(raw)
        files = [_attachment(f) for f in request.files.getlist("files") if f.filename]
    else:
        body = json_body(ComposeSchema())
        files = []
    if not body["force"]:
        newer = collision.messages_since(ticket, body.get("last_seen_message_id"), agent)
        if newer:
            response = jsonify(error="someone else wrote on this ticket meanwhile",
                               messages=[message_dict(m) for m in newer])
            response.status_code = 409
            return response
    try:
        if body["kind"] == "note":
            message = tickets.note(ticket, agent, body["text"])
            mentions.record(message, ticket)
        else:
            channel = body.get("channel") or ticket.channel
            if files and channel != "email":
                return api_error(400, "attachments are sent by email only")
            message = tickets.reply(ticket, agent, body["text"], channel=channel, files=files)
    except tickets.TicketError as error:
        return api_error(400, str(error))
    return jsonify(message_dict(message)), 201


@bp.post("/compose/count")
@api_login_required
def count():
    """The length of a reply as its channel counts it (X weighs URLs and CJK characters).
    ---
    post:
      summary: Count a reply
      requestBody: {required: true, content: {application/json: {schema: CountSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: CountResultSchema}}}
    """
    body = json_body(CountSchema())
    if body["channel"] == "x":
        from channels.x import counting

        return jsonify(count=counting.count_x(body["text"]), limit=counting.MAX_POST_WEIGHT,
                       parts=max(1, len(counting.split_for_x(body["text"]))))
    return jsonify(count=len(body["text"]), limit=None, parts=1)


@bp.get("/canned")
@api_login_required
def list_canned():
    """Canned replies available to the agent.
    ---
    get:
      summary: List canned replies
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: {type: array, items: CannedSchema}}}}
    """
    return jsonify([_canned_dict(c) for c in canned.available(current_agent())])


@bp.post("/canned")
@api_login_required
def create_canned():
    """Add a canned reply; variables: ``{{ customer.first_name }}``, ``{{ ticket.id }}``, ``{{ promise }}``.
    ---
    post:
      summary: Add a canned reply
      requestBody: {required: true, content: {application/json: {schema: CannedSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        201: {content: {application/json: {schema: CannedSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    body = json_body(CannedSchema())
    agent = current_agent()
    if body.get("team_id") is not None and body["team_id"] not in agent.team_ids() and not agent.is_admin:
        return api_error(400, "you can only add replies for your own teams")
    try:
        reply = canned.create(agent, body["title"], body["body"], team_id=body.get("team_id"),
                              language=body.get("language"))
    except canned.CannedError as error:
        return api_error(400, str(error))
    return jsonify(_canned_dict(reply)), 201


@bp.post("/tickets/<int:ticket_id>/canned/<int:canned_id>")
@api_login_required
def render_canned(ticket_id: int, canned_id: int):
    """A canned reply filled in for this ticket.
    ---
    post:
      summary: Render a canned reply
      parameters:
        - {in: path, name: ticket_id, required: true, schema: {type: integer}}
        - {in: path, name: canned_id, required: true, schema: {type: integer}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {text: {type: string}}}}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    ticket = visible_ticket(ticket_id)
    reply = db.session.get(CannedReply, canned_id)
    if reply is None or reply not in canned.available(current_agent()):
        return api_error(404, "not found")
    try:
        return jsonify(text=canned.render(reply.body, ticket, current_agent()))
    except canned.CannedError as error:
        return api_error(400, str(error))


@bp.put("/tickets/<int:ticket_id>/tags")
@api_login_required
def put_tags(ticket_id: int):
    """Replace the ticket's tags.
    ---
    put:
      summary: Set tags
      parameters: [{in: path, name: ticket_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: TagsSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: TicketSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    ticket = visible_ticket(ticket_id)
    try:
        tags.set_tags(ticket, current_agent(), json_body(TagsSchema())["tags"])
    except tags.TagError as error:
        return api_error(400, str(error))
    return jsonify(ticket_summary(ticket))


@bp.post("/tickets/<int:ticket_id>/merge")
@api_login_required
def merge_ticket(ticket_id: int):
    """Merge this ticket into another of the same customer (this one closes).
    ---
    post:
      summary: Merge tickets
      parameters: [{in: path, name: ticket_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: MergeSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: TicketSchema}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    source = visible_ticket(ticket_id)
    target = visible_ticket(json_body(MergeSchema())["into"])
    try:
        merge.merge_tickets(source, target, current_agent())
    except merge.MergeError as error:
        return api_error(400, str(error))
    return jsonify(ticket_summary(target))


@bp.post("/customers/<int:customer_id>/merge")
@api_login_required
def merge_customer(customer_id: int):
    """Merge this customer into another: identities and tickets move, the record remains as a pointer.
    ---
    post:
      summary: Merge customers
      parameters: [{in: path, name: customer_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: MergeSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: {type: object}}}}
        400: {content: {application/json: {schema: ErrorSchema}}}
    """
    source = db.session.get(Customer, customer_id)
    target = db.session.get(Customer, json_body(MergeSchema())["into"])
    if source is None or target is None or not (_may_see_customer(source) and _may_see_customer(target)):
        return api_error(404, "not found")
    try:
        merge.merge_customers(source, target, current_agent())
    except merge.MergeError as error:
        return api_error(400, str(error))
    return jsonify(id=target.id, name=target.display(),
                   identities=[{"channel": i.channel, "external_id": i.external_id, "handle": i.handle}
                               for i in target.identities])


@bp.put("/presence")
@api_login_required
def put_presence():
    """Set the calling agent's presence (offline hands their open chats on).
    ---
    put:
      summary: Set presence
      requestBody: {required: true, content: {application/json: {schema: PresenceSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: PresenceSchema}}}
    """
    agent = presence.set_presence(current_agent(), json_body(PresenceSchema())["presence"])
    return jsonify(presence.presence_dict(agent))


@bp.put("/teams/<int:team_id>/assignment")
@api_login_required
def put_assignment(team_id: int):
    """Set how a team's new tickets are assigned (admins and the team lead).
    ---
    put:
      summary: Set a team's assignment rule
      parameters: [{in: path, name: team_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: AssignmentRuleSchema}}}
      security: [{bearer: []}, {session: []}]
      responses:
        200: {content: {application/json: {schema: AssignmentRuleSchema}}}
        403: {content: {application/json: {schema: ErrorSchema}}}
    """
    team = db.session.get(Team, team_id)
    if team is None:
        return api_error(404, "not found")
    agent = current_agent()
    if not (agent.is_admin or team.lead_id == agent.id):
        return api_error(403, "only admins and the team lead change assignment")
    rule = assignment.set_team_mode(team, json_body(AssignmentRuleSchema())["mode"])
    return jsonify(mode=rule.mode)


def _may_see_customer(customer: Customer) -> bool:
    agent: Agent = current_agent()
    if agent.is_admin:
        return True
    visible = queue.visible_tickets(agent).where(Ticket.customer_id == customer.id).limit(1)
    return db.session.scalar(visible) is not None


def _attachment(upload: FileStorage) -> Attachment:
    data = upload.read(current_app.config["ATTACHMENT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        abort(api_error(413, f"{upload.filename} is too large"))
    return Attachment(filename=upload.filename or "attachment", content_type=upload.mimetype or
                      "application/octet-stream", data=data)


def _view_dict(view: Any) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "filters": view.filters, "shared": view.agent_id is None}


def _canned_dict(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.id, "title": reply.title, "body": reply.body, "language": reply.language,
            "team_id": reply.team_id}


VIEWS = (queue_page, queue_row, list_views, create_view, delete_view, compose, count, list_canned, create_canned,
         render_canned, put_tags, merge_ticket, merge_customer, put_presence, put_assignment)


@bp.record_once
def _describe(state: Any) -> None:
    # The OpenAPI document (built by inbox.web.api) lists these views too.
    state.app.extensions.setdefault("kept_api_views", []).extend(VIEWS)
