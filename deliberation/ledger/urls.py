from django.urls import path

from deliberation.ledger import views

urlpatterns = [path("halls/<slug:slug>/ledger/", views.ledger_page, name="hall_ledger")]
