from django.urls import URLPattern, URLResolver, path

from bansou.reports.views import dashboards, exports

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", dashboards.OrganizationReportView.as_view(), name="organization"),
    path(
        "reports/programs/<slug:program_slug>/",
        dashboards.ProgramReportView.as_view(),
        name="program",
    ),
    path(
        "reports/programs/<slug:program_slug>/export/",
        exports.ProgramExportView.as_view(),
        name="program_export",
    ),
]
