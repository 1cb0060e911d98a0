from django.urls import path

from deliberation.meetings import views

urlpatterns = [
    path("halls/<slug:slug>/meetings/", views.meeting_list, name="meeting_list"),
    path("halls/<slug:slug>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_room, name="meeting"),
    path("meetings/<int:pk>/screen/", views.meeting_screen, name="meeting_screen"),
    path("meetings/<int:pk>/qr.svg", views.meeting_qr, name="meeting_qr"),
    path("meetings/<int:pk>/qr/", views.meeting_qr_page, name="meeting_qr_page"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/checkin/<str:token>/", views.meeting_checkin, name="meeting_checkin"),
    path("meetings/<int:pk>/do/<str:action>/", views.meeting_action, name="meeting_action"),
    path("meetings/<int:pk>/agenda/", views.meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:pk>/agenda/<str:op>/", views.meeting_agenda_do, name="meeting_agenda_do"),
    path("meetings/<int:pk>/reschedule/", views.meeting_reschedule, name="meeting_reschedule"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
]
