"""Model files: where they live and how they are fetched and checked."""

from engine.models.store import model_path

__all__ = ["model_path"]
