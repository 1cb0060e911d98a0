from django.urls import path

from deliberation.dashboard import views

urlpatterns = [
    path("halls/<slug:slug>/dashboard/", views.hall_dashboard, name="hall_dashboard"),
    path("communities/<int:pk>/dashboard/", views.community_dashboard, name="community_dashboard"),
    path("streets/<int:pk>/dashboard/", views.street_dashboard, name="street_dashboard"),
]
