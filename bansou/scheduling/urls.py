from django.urls import URLPattern, URLResolver, path

from bansou.scheduling.views import appointment_types, availability

app_name = "scheduling"

urlpatterns: list[URLPattern | URLResolver] = [
    path("availability/", availability.AvailabilityHomeView.as_view(), name="availability"),
    path(
        "availability/<int:user_pk>/",
        availability.AvailabilityEditView.as_view(),
        name="availability_of",
    ),
    path("closures/", availability.ClosureListView.as_view(), name="closures"),
    path(
        "programs/<slug:program_slug>/appointment-types/",
        appointment_types.AppointmentTypeListView.as_view(),
        name="appointment_types",
    ),
    path(
        "programs/<slug:program_slug>/appointment-types/<int:type_pk>/",
        appointment_types.AppointmentTypeEditView.as_view(),
        name="appointment_type",
    ),
]
