"""Proposals solved in the background of the server process: a pool of threads, each solve
with its own database session. A solve that a stopped process left queued or running is
queued again when the next one starts."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import Database, now
from api.problems import log_failure
from api.records import digest, programme_of, scenario_document
from api.tables import DONE, FAILED, QUEUED, RUNNING, Proposal
from matcher.errors import ScenarioError
from matcher.pipeline import Options, UnknownPair, propose, rematch
from matcher.schema import load_scenario
from matcher.solver.assignment import InfeasibleAssignment

PROPOSAL, REMATCH = "proposal", "rematch"
EXPLAINED = (UnknownPair, InfeasibleAssignment)   # their messages name ids and the reason, never names


class Worker:
    """Solves proposals by id on `workers` threads."""

    def __init__(self, database: Database, workers: int):
        self.database = database
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="matcher-solve")

    def submit(self, proposal_id: str) -> Future:
        return self.pool.submit(solve, self.database, proposal_id)

    def run(self, function, *args):
        """Call `function` on one of the solve threads and wait for its result, so that
        solves asked for inside a request share the limit on solves at once."""
        return self.pool.submit(function, *args).result()

    def resume(self) -> list[str]:
        """Queue again, oldest first, the proposals a previous process left queued or
        running (running ones start over); returns their ids."""
        with self.database.session() as db:
            db.execute(update(Proposal).where(Proposal.status == RUNNING).values(status=QUEUED, started_at=None))
            waiting = list(db.scalars(select(Proposal.id).where(Proposal.status == QUEUED)
                                      .order_by(Proposal.created_at)))
            db.commit()
        for proposal_id in waiting:
            self.submit(proposal_id)
        return waiting

    def shutdown(self) -> None:
        """Finish the solves under way and drop the queued ones: they stay queued in the
        database, and the next start queues them again."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def inputs(db: Session, proposal: Proposal) -> dict:
    """The scenario a proposal is solved from: the organisation's records, with the horizon
    the request chose (start, weeks) over the programme's."""
    programme = {**programme_of(db, proposal.org_id), **proposal.options.get("horizon", {})}
    return scenario_document(db, proposal.org_id, programme)


def solve(database: Database, proposal_id: str) -> None:
    """Solve a queued proposal and store the outcome: `done` with the proposal contract, or
    `failed` with a one-line error. A proposal that is not queued (any more) is left alone."""
    with database.session() as db:
        claimed = db.execute(update(Proposal).where(Proposal.id == proposal_id, Proposal.status == QUEUED)
                             .values(status=RUNNING, started_at=now()))
        db.commit()
        if claimed.rowcount != 1:
            return
        record = db.get(Proposal, proposal_id)
        try:
            record.result, record.status = _solved(db, record), DONE
        except ScenarioError as error:
            _failed(db, record, f"the records do not make a valid scenario: {error}")
        except EXPLAINED as error:
            _failed(db, record, str(error))
        except Exception as error:   # any other failure is reported on the proposal, not lost in the thread
            log_failure(f"proposal {proposal_id} failed", error)
            _failed(db, record, f"the solve stopped on an internal error ({type(error).__name__}); "
                                f"the server log names the place")
        record.finished_at = now()
        db.commit()


def _failed(db: Session, record: Proposal, error: str) -> None:
    db.rollback()
    record.status, record.error, record.result = FAILED, " ".join(error.split()), None


def _solved(db: Session, record: Proposal) -> dict:
    """The proposal contract of the record's request; stores the digest of its inputs."""
    document = inputs(db, record)
    record.digest = digest(document)
    options = record.options
    chosen = Options(weights=options.get("weights"), time_limit=options["time_limit"],
                     mentees=tuple(options["mentees"]) if "mentees" in options else None,
                     allow_moves=options.get("allow_moves", False))
    if record.kind != REMATCH:
        return propose(load_scenario(document), chosen).to_dict()
    breakdowns = [(pair["mentor"], pair["mentee"]) for pair in options["breakdowns"]]
    current = {(match["mentor"], match["mentee"]) for match in document["matches"]}
    ended = [{"mentor": mentor, "mentee": mentee, "sessions": []}
             for mentor, mentee in breakdowns if (mentor, mentee) not in current]
    scenario = load_scenario({**document, "matches": document["matches"] + ended})
    return rematch(scenario, breakdowns, chosen).to_dict()
