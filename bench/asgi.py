"""The bench server: the production ASGI application plus one bench-only websocket route.

`bench/fanout.py` runs `daphne bench.asgi:application`. Participants connect to the real room
URLs (`/ws/halls/<id>/`, the same consumer, auth and origin checks as production); the
moderator connects to `/ws/bench/halls/<id>/`, which is the hall room with one extra command,
`bench.announce`, that a moderator of the hall may send to publish one event to the room
through `realtime.publish.publish` (the same path every service uses). This route exists only
in this module, never in the production URLconf (`config.routing`).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from bench.moderator import BenchHallModeratorConsumer  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

bench_websocket_urlpatterns = [
    path("ws/bench/halls/<int:hall_id>/", BenchHallModeratorConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*bench_websocket_urlpatterns, *websocket_urlpatterns]))
        ),
    }
)
