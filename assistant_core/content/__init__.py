"""Content as data: FAQ entries and dated facts from content/, rendered and checked."""

from assistant_core.content.loader import Entry, Fact, FactValue, Problem
from assistant_core.content.render import Answer, RenderError
from assistant_core.content.repository import ContentRepository, ContentUnavailable

__all__ = ["Answer", "ContentRepository", "ContentUnavailable", "Entry", "Fact", "FactValue", "Problem", "RenderError"]
