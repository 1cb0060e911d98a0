from django.urls import path

from community import views

urlpatterns = [
    path("me/memberships/", views.my_memberships, name="my_memberships"),
    path("me/tokens/", views.api_tokens, name="api_tokens"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data.json", views.my_data_json, name="my_data_json"),
    path("me/profile/", views.my_profile, name="my_profile"),
    path("me/elder-mode/", views.elder_mode, name="elder_mode"),
    path("me/phone/", views.phone_change, name="phone_change"),
    path("me/email/verify/", views.email_verify_send, name="email_verify_send"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    path("help/", views.help_page, name="help"),
    path("help/guide/<slug:slug>/", views.help_guide, name="help_guide"),
    path("halls/<slug:slug>/", views.hall_page, name="hall"),
    path("halls/<slug:slug>/join/", views.join_hall, name="join_hall"),
    path("halls/<slug:slug>/members/", views.manage_members, name="manage_members"),
    path("halls/<slug:slug>/audit/", views.audit_log, name="audit_log"),
    path(
        "memberships/<int:pk>/<str:decision>/",
        views.decide_membership,
        name="decide_membership",
    ),
    path("memberships/<int:pk>/roles/set/", views.set_roles, name="set_roles"),
]
