from django.urls import URLPattern, URLResolver, path

from bansou.ops.views import (
    OutboxView,
    PreparedFileDownloadView,
    PreparedFilesView,
    PreparedFileView,
)

app_name = "ops"

urlpatterns: list[URLPattern | URLResolver] = [
    path("outbox/", OutboxView.as_view(), name="outbox"),
    path("files/", PreparedFilesView.as_view(), name="prepared_files"),
    path("files/<int:file_pk>/", PreparedFileView.as_view(), name="prepared_file"),
    path(
        "files/<int:file_pk>/download/",
        PreparedFileDownloadView.as_view(),
        name="prepared_file_download",
    ),
]
