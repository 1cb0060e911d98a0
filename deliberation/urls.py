from django.urls import include, path

urlpatterns: list = [
    path("", include("deliberation.meetings.urls")),
]
