from django.urls import include, path

from deliberation.views_ledger import urlpatterns as ledger_urlpatterns

urlpatterns: list = [
    path("", include("deliberation.meetings.urls")),
    *ledger_urlpatterns,
]
