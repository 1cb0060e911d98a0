"""Loaded by rules' autodiscovery so every permission is registered at start-up."""

from community import permissions  # noqa: F401
