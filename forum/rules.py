"""Loaded by rules' autodiscovery so every permission is registered at start-up."""

from forum import permissions  # noqa: F401
