"""The HTTP service: stored records in, matcher's proposals out."""
from api.app import create_app

__all__ = ["create_app"]
