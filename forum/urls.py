from django.urls import path

from forum import views

urlpatterns = [
    path("halls/<slug:slug>/proposals/", views.proposal_list, name="proposal_list"),
    path("halls/<slug:slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("halls/<slug:slug>/moderation/", views.moderation_queue, name="moderation_queue"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/publish/", views.proposal_publish, name="proposal_publish"),
    path("proposals/<int:pk>/second/", views.proposal_second, name="proposal_second"),
    path("proposals/<int:pk>/review/", views.proposal_review, name="proposal_review"),
    path("proposals/<int:pk>/lock/", views.proposal_lock, name="proposal_lock"),
    path("proposals/<int:pk>/report/", views.proposal_report, name="proposal_report"),
    path("proposals/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/<str:action>/", views.comment_action, name="comment_action"),
    path("moderation/<str:kind>/<int:pk>/", views.moderation_decide, name="moderation_decide"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("forum/preview/", views.markdown_preview, name="markdown_preview"),
]
