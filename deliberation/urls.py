from django.urls import include, path

from deliberation import views_votes
from deliberation.tasks.urls_results import urlpatterns as results_urlpatterns
from deliberation.views_ledger import urlpatterns as ledger_urlpatterns

urlpatterns: list = [
    path("", include("deliberation.meetings.urls")),
    path("", include("deliberation.taizhang.urls")),
    path("", include("deliberation.story.urls")),
    path("", include("deliberation.dashboard.urls")),
    path("", include("deliberation.tasks.urls")),
    *ledger_urlpatterns,
]

# ballots, results, notice board, resolutions, objections
urlpatterns += [
    path("halls/<slug:slug>/ballots/", views_votes.ballot_list, name="ballot_list"),
    path("halls/<slug:slug>/ballots/new/", views_votes.ballot_new, name="ballot_new"),
    path("halls/<slug:slug>/notices/", views_votes.notice_board, name="notice_board"),
    path("ballots/<int:pk>/", views_votes.ballot_page, name="ballot"),
    path("ballots/<int:pk>/cast/", views_votes.ballot_cast, name="ballot_cast"),
    path("ballots/<int:pk>/open/", views_votes.ballot_open, name="ballot_open"),
    path("ballots/<int:pk>/close/", views_votes.ballot_close, name="ballot_close"),
    path("ballots/<int:pk>/hand-count/", views_votes.ballot_hand_count, name="ballot_hand_count"),
    path("ballots/<int:pk>/proxies/", views_votes.ballot_proxy, name="ballot_proxy"),
    path("ballots/<int:pk>/results/", views_votes.ballot_results, name="ballot_results"),
    path("ballots/<int:pk>/resolution/", views_votes.resolution_new, name="resolution_new"),
    path("resolutions/<int:pk>/", views_votes.resolution_page, name="resolution"),
    path("resolutions/<int:pk>/print/", views_votes.resolution_print, name="resolution_print"),
    path("resolutions/<int:pk>/objections/", views_votes.objection_lodge, name="objection_lodge"),
    path("objections/<int:pk>/answer/", views_votes.objection_answer, name="objection_answer"),
]

# published results (实施结果公开) and their evaluation (评议)
urlpatterns += results_urlpatterns
