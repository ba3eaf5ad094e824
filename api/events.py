"""/v1/events: the audit trail of the organisation, who did what and when (accepts, rematches,
breakdowns, erasures), with ids only."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api.context import caller
from api.listing import StoredTime, paginated
from api.tables import Event

blp = Blueprint("events", __name__, url_prefix="/v1/events",
                description="The audit trail: who changed what, and when.")


class EventSchema(ma.Schema):
    id = ma.fields.Integer()
    at = StoredTime()
    actor = ma.fields.String(metadata={"description": "the label of the token used"})
    action = ma.fields.String()
    proposal = ma.fields.String(attribute="proposal_id", allow_none=True)
    detail = ma.fields.Dict()


class EventQuery(ma.Schema):
    action = ma.fields.String(metadata={"description": "events of this action only, e.g. accept"})


@blp.route("")
class Events(MethodView):
    @blp.arguments(EventQuery, location="query")
    @blp.response(200, EventSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List, newest first"""
        statement = select(Event).where(Event.org_id == caller().org)
        if "action" in query:
            statement = statement.where(Event.action == query["action"])
        return paginated(statement, [Event.id.desc()], pagination_parameters)
