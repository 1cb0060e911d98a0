"""URLs of published results （实施结果公开） and their evaluation; included by deliberation/urls.py."""

from django.urls import path

from deliberation.results import views

urlpatterns = [
    path("halls/<slug:slug>/results/", views.hall_results, name="hall_results"),
    path("results/<int:pk>/", views.result_page, name="result"),
    path("results/<int:pk>/evaluate/", views.result_evaluate, name="result_evaluate"),
    path("results/<int:pk>/summary/", views.result_summary, name="result_summary"),
]
