"""The URLs of every part of deliberation (each part has its own urls.py)."""

from django.urls import include, path

PARTS = ("meetings", "votes", "ledger", "tasks", "results", "story", "dashboard", "taizhang")

urlpatterns: list = [path("", include(f"deliberation.{part}.urls")) for part in PARTS]
