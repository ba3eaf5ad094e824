"""How records are listed and their times written: one page at a time, times in UTC."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import func, select

from api.context import db

UTC_TIME = "%Y-%m-%dT%H:%M:%SZ"


class StoredTime(ma.fields.DateTime):
    """A stored time (naive UTC) written as ISO 8601 in UTC, e.g. 2027-01-05T16:00:00Z."""

    def __init__(self, **kwargs):
        super().__init__(format=UTC_TIME, **kwargs)


def paginated(statement, order, pagination_parameters) -> list:
    """One page of `statement`'s rows in `order`; the total goes to the pagination header."""
    pagination_parameters.item_count = db().scalar(select(func.count()).select_from(statement.subquery()))
    return list(db().scalars(statement.order_by(*order).offset(pagination_parameters.first_item)
                             .limit(pagination_parameters.page_size)))
