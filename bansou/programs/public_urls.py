from django.urls import URLPattern, URLResolver, path

from bansou.programs.views import public

app_name = "public"

# Public pages of an organisation (PUBLIC_IN_ORG): /p/<org_slug>/...
urlpatterns: list[URLPattern | URLResolver] = [
    # Before the programs: "privacy" is a reserved program slug.
    path("privacy/", public.PublicPrivacyView.as_view(), name="privacy"),
    path("<slug:program_slug>/", public.PublicProgramView.as_view(), name="program"),
    path("<slug:program_slug>/apply/<slug:side>/", public.PublicApplyView.as_view(), name="apply"),
    path(
        "<slug:program_slug>/apply/<slug:side>/thanks/",
        public.PublicThanksView.as_view(),
        name="thanks",
    ),
]
