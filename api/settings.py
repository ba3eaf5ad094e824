"""Configuration from environment variables (documented in the README)."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_DATABASE_URL = "sqlite:///matcher.db"


class SettingsError(ValueError):
    """An environment variable that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """What an operator may set; `from_env` reads each field from MATCHER_<FIELD NAME>."""

    database_url: str = DEFAULT_DATABASE_URL   # an SQLite file by default, or postgresql://…
    solve_workers: int = 1                     # proposals the server solves at once
    default_time_limit: float = 10.0           # seconds, when a request gives none
    max_time_limit: float = 120.0              # the most seconds a request may ask for
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ=os.environ, **overrides) -> "Settings":
        values = {}
        for field in fields(cls):
            name = f"MATCHER_{field.name.upper()}"
            if name in environ:
                try:
                    values[field.name] = type(field.default)(environ[name])
                except ValueError:
                    raise SettingsError(f"{name}: {environ[name]!r} is not a valid value") from None
        settings = cls(**{**values, **overrides})
        if settings.solve_workers < 1 or settings.max_time_limit <= 0 or settings.default_time_limit <= 0:
            raise SettingsError("MATCHER_SOLVE_WORKERS and the time limits must be greater than 0")
        return settings
