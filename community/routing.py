from django.urls import path

from community.consumers import HallConsumer

websocket_urlpatterns = [
    path("ws/halls/<int:hall_id>/", HallConsumer.as_asgi()),
]
