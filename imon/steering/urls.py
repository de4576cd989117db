from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="steering-dashboard"),
    path("aufgaben/", views.my_tasks, name="steering-tasks"),
    path("abmelden/", views.log_out, name="steering-logout"),
    path("handlungsfelder/<str:concept>/<str:code>/", views.field_page, name="steering-field"),
    path("ziele/<str:key>/", views.goal_page, name="steering-goal"),
    path("massnahmen/<str:key>/", views.measure_page, name="steering-measure"),
    path("massnahmen/<str:key>/bearbeiten/", views.measure_edit, name="steering-measure-edit"),
    path("massnahmen/<str:key>/loeschen/", views.measure_delete, name="steering-measure-delete"),
    path("papierkorb/", views.deleted_list, name="steering-deleted"),
    path("papierkorb/<int:pk>/wiederherstellen/", views.measure_restore, name="steering-measure-restore"),
    path("gremien/<str:key>/", views.body_page, name="steering-body"),
    path("naechste-schritte/", views.next_steps, name="steering-next-steps"),
    path("naechste-schritte.<str:fmt>", views.next_steps_export, name="steering-next-steps-export"),
    path("berichtsrunden/", views.cycle_list, name="steering-cycles"),
    path("berichtsrunden/<str:key>/", views.cycle_page, name="steering-cycle"),
    path("personen/", views.people_list, name="steering-people"),
    path("personen/<int:pk>/", views.person_page, name="steering-person"),
    path("personen/<int:pk>/aktiv/", views.person_active, name="steering-person-active"),
    path("personen/<int:pk>/einladen/", views.person_invite_again, name="steering-person-invite"),
    path("massnahmen/<str:key>/zustaendige/", views.measure_owners, name="steering-measure-owners"),
    path("berichtsrunden/<str:key>/frist/", views.cycle_deadline, name="steering-cycle-deadline"),
    path("berichtsrunden/<str:key>/freigeben/", views.cycle_approve, name="steering-cycle-approve"),
    path("berichtsrunden/<str:key>/tabelle.xlsx", views.cycle_export, name="steering-cycle-export"),
    path("berichtsrunden/<str:key>/tabelle/", views.cycle_import, name="steering-cycle-import"),
    path("berichtsrunden/<str:key>/<str:measure_key>/", views.update_form, name="steering-update"),
    path(
        "berichtsrunden/<str:key>/<str:measure_key>/pruefen/",
        views.update_review,
        name="steering-update-review",
    ),
]
