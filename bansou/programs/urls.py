from django.urls import URLPattern, URLResolver, path

from bansou.programs.views import applications, programs, trainings

app_name = "programs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("programs/", programs.ProgramListView.as_view(), name="list"),
    path("programs/new/", programs.ProgramCreateView.as_view(), name="create"),
    path("programs/<slug:program_slug>/", programs.ProgramDetailView.as_view(), name="detail"),
    path("programs/<slug:program_slug>/edit/", programs.ProgramEditView.as_view(), name="edit"),
    path(
        "programs/<slug:program_slug>/applications/",
        applications.ApplicationQueueView.as_view(),
        name="applications",
    ),
    path(
        "programs/<slug:program_slug>/trainings/new/",
        trainings.TrainingCreateView.as_view(),
        name="training_create",
    ),
    path(
        "programs/<slug:program_slug>/trainings/<int:training_pk>/",
        trainings.TrainingDetailView.as_view(),
        name="training",
    ),
    path(
        "programs/<slug:program_slug>/trainings/<int:training_pk>/edit/",
        trainings.TrainingEditView.as_view(),
        name="training_edit",
    ),
    path(
        "applications/<int:application_pk>/",
        applications.ApplicationDetailView.as_view(),
        name="application",
    ),
]
