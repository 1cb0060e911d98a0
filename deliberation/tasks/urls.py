from django.urls import path

from deliberation.tasks import views

urlpatterns = [
    path("halls/<slug:slug>/tasks/", views.task_list, name="task_list"),
    path("resolutions/<int:pk>/tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_page, name="task"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/do/<str:action>/", views.task_action, name="task_action"),
    path("tasks/<int:pk>/report/", views.task_report, name="task_report"),
    path("tasks/<int:pk>/progress/", views.task_progress_set, name="task_progress_set"),
    path("tasks/<int:pk>/subtasks/", views.subtask_add, name="subtask_add"),
    path("tasks/<int:pk>/subtasks/<int:sid>/toggle/", views.subtask_toggle, name="subtask_toggle"),
    path("tasks/<int:pk>/subtasks/<int:sid>/remove/", views.subtask_remove, name="subtask_remove"),
]
