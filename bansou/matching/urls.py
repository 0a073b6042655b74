from django.urls import URLPattern, URLResolver, path

from bansou.matching.views import criteria, preferences, rounds, self_match

app_name = "matching"

urlpatterns: list[URLPattern | URLResolver] = [
    path("matching/", criteria.MatchingHomeView.as_view(), name="index"),
    path(
        "matching/programs/<slug:program_slug>/criteria/",
        criteria.CriteriaView.as_view(),
        name="criteria",
    ),
    path(
        "matching/programs/<slug:program_slug>/rounds/new/",
        rounds.RoundCreateView.as_view(),
        name="round_create",
    ),
    path("matching/rounds/<int:round_pk>/", rounds.RoundDetailView.as_view(), name="round"),
    path("matching/rounds/<int:round_pk>/pair/", rounds.RoundPairView.as_view(), name="round_pair"),
    path("matching/rounds/<int:round_pk>/run/", rounds.RoundRunView.as_view(), name="round_run"),
    path(
        "matching/rounds/<int:round_pk>/confirm/",
        rounds.RoundConfirmView.as_view(),
        name="round_confirm",
    ),
    path("matching/choose/", self_match.ChooseHomeView.as_view(), name="choose_home"),
    path(
        "matching/choose/<slug:program_slug>/",
        self_match.ChooseProgramView.as_view(),
        name="choose",
    ),
    path(
        "matching/choose/<slug:program_slug>/<int:supporter_pk>/",
        self_match.ChooseRequestView.as_view(),
        name="choose_request",
    ),
    path("matching/rank/<slug:program_slug>/", self_match.RankView.as_view(), name="rank"),
    path("matching/preferences/", preferences.PreferencesView.as_view(), name="preferences"),
    path("matching/requests/", self_match.RequestListView.as_view(), name="requests"),
    path(
        "matching/requests/<int:request_pk>/",
        self_match.RequestDecideView.as_view(),
        name="request",
    ),
]
