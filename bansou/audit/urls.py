from django.urls import URLPattern, URLResolver, path

from bansou.audit.views import AuditExportView, AuditLogView

app_name = "audit"

urlpatterns: list[URLPattern | URLResolver] = [
    path("audit/", AuditLogView.as_view(), name="list"),
    path("audit/export/", AuditExportView.as_view(), name="export"),
]
