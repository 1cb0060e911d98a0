from django.urls import path  # noqa: F401

from deliberation.views_ledger import urlpatterns as ledger_urlpatterns

urlpatterns: list = [*ledger_urlpatterns]
