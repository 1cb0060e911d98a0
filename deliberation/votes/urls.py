"""Ballots, results, the notice board, resolutions and objections."""

from django.urls import path

from deliberation.votes import views

urlpatterns = [
    path("halls/<slug:slug>/ballots/", views.ballot_list, name="ballot_list"),
    path("halls/<slug:slug>/ballots/new/", views.ballot_new, name="ballot_new"),
    path("halls/<slug:slug>/notices/", views.notice_board, name="notice_board"),
    path("ballots/<int:pk>/", views.ballot_page, name="ballot"),
    path("ballots/<int:pk>/cast/", views.ballot_cast, name="ballot_cast"),
    path("ballots/<int:pk>/open/", views.ballot_open, name="ballot_open"),
    path("ballots/<int:pk>/close/", views.ballot_close, name="ballot_close"),
    path("ballots/<int:pk>/hand-count/", views.ballot_hand_count, name="ballot_hand_count"),
    path("ballots/<int:pk>/proxies/", views.ballot_proxy, name="ballot_proxy"),
    path("ballots/<int:pk>/results/", views.ballot_results, name="ballot_results"),
    path("ballots/<int:pk>/resolution/", views.resolution_new, name="resolution_new"),
    path("resolutions/<int:pk>/", views.resolution_page, name="resolution"),
    path("resolutions/<int:pk>/print/", views.resolution_print, name="resolution_print"),
    path("resolutions/<int:pk>/objections/", views.objection_lodge, name="objection_lodge"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
]
