from django.urls import URLPattern, URLResolver, path

from bansou.privacy.views import erasure, export, notice, retention

app_name = "privacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("my-data/", export.MyDataView.as_view(), name="my_data"),
    path(
        "clients/<int:client_pk>/disclosure/",
        export.DisclosureExportView.as_view(),
        name="disclosure_export",
    ),
    path(
        "clients/<int:client_pk>/erase/", erasure.ClientErasureView.as_view(), name="client_erase"
    ),
    path("data-retention/", retention.RetentionView.as_view(), name="retention"),
    # Beside the organisation's mail settings (orgs: settings/mail/).
    path("settings/privacy/", notice.PrivacyNoticeView.as_view(), name="notice_settings"),
]
