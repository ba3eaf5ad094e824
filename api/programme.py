"""/v1/programme: the organisation's programme rules (the scenario contract's programme)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import caller, db
from api.records import programme_of
from api.tables import Organisation
from matcher.schema import ProgrammeSchema

blp = Blueprint("programme", __name__, url_prefix="/v1/programme",
                description="The rules every proposal of the organisation follows: horizon, time zone, weights.")


@blp.route("")
class ProgrammeView(MethodView):
    @blp.response(200, ProgrammeSchema)
    def get(self):
        """Read"""
        return ProgrammeSchema().load(programme_of(db(), caller().org))

    @blp.arguments(ProgrammeSchema)
    @blp.response(200, ProgrammeSchema)
    def put(self, programme):
        """Set or replace"""
        db().get(Organisation, caller().org).programme = ProgrammeSchema().dump(programme)
        db().commit()
        return programme
