"""What a request works with: its database session, its caller, the app's services."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session

from api.auth import Caller
from api.db import Database
from api.settings import Settings


@dataclass
class Services:
    """The app's long-lived parts, kept in app.extensions["matcher"]."""

    settings: Settings
    database: Database
    worker: Any = None


def services() -> Services:
    return current_app.extensions["matcher"]


def db() -> Session:
    """The request's database session (opened before the view, closed after it)."""
    return g.db


def caller() -> Caller:
    return g.caller
