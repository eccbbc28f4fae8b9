"""Hostile files through the engine (issue 15)."""
