from django.urls import include, path

from bansou.ops import views as ops_views
from bansou.orgs.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("bansou.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("o/<slug:org_slug>/", include("bansou.orgs.urls")),
    path("o/<slug:org_slug>/", include("bansou.engagements.urls")),
    path("o/<slug:org_slug>/", include("bansou.programs.urls")),
    path("o/<slug:org_slug>/", include("bansou.people.urls")),
    path("o/<slug:org_slug>/", include("bansou.audit.urls")),
    path("o/<slug:org_slug>/", include("bansou.matching.urls")),
    path("o/<slug:org_slug>/", include("bansou.ops.urls")),
    path("o/<slug:org_slug>/", include("bansou.scheduling.urls")),
    path("o/<slug:org_slug>/", include("bansou.salons.urls")),
    path("o/<slug:org_slug>/", include("bansou.surveys.urls")),
    path("o/<slug:org_slug>/", include("bansou.reports.urls")),
    path("o/<slug:org_slug>/", include("bansou.privacy.urls")),
    path("p/<slug:org_slug>/", include("bansou.programs.public_urls")),
    path("r/", include("bansou.engagements.reflection_urls")),
]

handler400 = "bansou.ops.views.bad_request"
handler403 = "bansou.ops.views.permission_denied"
handler404 = "bansou.ops.views.page_not_found"
handler500 = "bansou.ops.views.server_error"
