"""Benchmarks (`make bench`): scripts that print figures. Nothing here is imported by the app."""
