from django.urls import path

from deliberation.story import views

urlpatterns = [
    path("proposals/<int:pk>/story/", views.story_page, name="proposal_story"),
]
