"""/v1/solve: a proposal for a scenario sent in the request, for systems that keep their own
records. Nothing is read from or written to the organisation's records. The solve runs on
the server's solve threads, as background proposals do, so that MATCHER_SOLVE_WORKERS bounds
the solves at once."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import services
from api.problems import fail, invalid, log_failure
from matcher.errors import Problem, ScenarioError
from matcher.pipeline import Options, propose
from matcher.schema import ScenarioSchema
from matcher.solver.assignment import InfeasibleAssignment

blp = Blueprint("solve", __name__, url_prefix="/v1/solve",
                description="Stateless solving: a scenario in, its proposal out; nothing is stored.")


class SolveQuery(ma.Schema):
    time_limit = ma.fields.Float(validate=ma.validate.Range(min=0, min_inclusive=False,
                                                            error="must be greater than 0"),
                                 metadata={"description": "seconds (default and maximum: the server's settings)"})


class ProposalContractSchema(ma.Schema):
    """The proposal contract of DESIGN.md."""

    matches = ma.fields.List(ma.fields.Dict())
    unmatched = ma.fields.List(ma.fields.Dict())
    sessions = ma.fields.List(ma.fields.Dict())
    unplaced = ma.fields.List(ma.fields.Dict())
    stats = ma.fields.Dict()


def time_limit(request: dict, path: str) -> float:
    """The request's time limit, the server's default when it gives none; one above the
    server's maximum is refused, naming `path`."""
    settings = services().settings
    limit = request.get("time_limit", settings.default_time_limit)
    if limit > settings.max_time_limit:
        invalid([Problem(path, f"must be at most {settings.max_time_limit:g} seconds")])
    return limit


@blp.route("")
class Solve(MethodView):
    # Solving reads and stores no records, so a viewer's token may ask for it too.
    open_to_viewers = True

    @blp.arguments(ScenarioSchema)
    @blp.arguments(SolveQuery, location="query")
    @blp.response(200, ProposalContractSchema)
    def post(self, scenario, query):
        """Propose matches and sessions for the scenario in the body; any valid token, a
        viewer's too, may ask, since nothing is stored"""
        options = Options(time_limit=time_limit(query, "query.time_limit"))
        try:
            return services().worker.run(propose, scenario, options).to_dict()
        except InfeasibleAssignment as error:
            fail(422, str(error), "infeasible")
        except ScenarioError as error:   # a current match that cannot be kept within the rules
            invalid(error.problems)
        except Exception as error:   # a solver failure is the scenario's answer, never a 500
            log_failure("solve failed", error)
            fail(422, f"the scenario could not be solved: {error}", "solve-failed")
