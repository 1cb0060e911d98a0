import json

import pytest

from config import health

pytestmark = pytest.mark.django_db


def test_healthz_round_trips_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_healthz_names_a_broken_channel_layer_with_503(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},  # nothing listens on port 1
        }
    }
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["database"] == "ok"
    assert body["channel_layer"].startswith("error")
    assert body["failing"] == "channel_layer"


def test_healthz_names_a_broken_database_with_503(client, monkeypatch):
    def broken():
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["failing"] == "database"
