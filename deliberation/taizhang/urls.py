from django.urls import path

from deliberation.taizhang import views

urlpatterns = [
    path("halls/<slug:slug>/taizhang/", views.taizhang_page, name="taizhang"),
    path("halls/<slug:slug>/taizhang/xlsx/", views.taizhang_xlsx, name="taizhang_xlsx"),
    path("halls/<slug:slug>/taizhang/csv/<slug:sheet>/", views.taizhang_csv, name="taizhang_csv"),
]
