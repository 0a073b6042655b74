from django.urls import URLPattern, URLResolver, path

from bansou.matching import views

app_name = "matching"

urlpatterns: list[URLPattern | URLResolver] = [
    path("matching/", views.MatchingHomeView.as_view(), name="index"),
    path(
        "matching/programs/<slug:program_slug>/criteria/",
        views.CriteriaView.as_view(),
        name="criteria",
    ),
    path(
        "matching/programs/<slug:program_slug>/rounds/new/",
        views.RoundCreateView.as_view(),
        name="round_create",
    ),
    path("matching/rounds/<int:round_pk>/", views.RoundDetailView.as_view(), name="round"),
    path("matching/rounds/<int:round_pk>/pair/", views.RoundPairView.as_view(), name="round_pair"),
    path("matching/rounds/<int:round_pk>/run/", views.RoundRunView.as_view(), name="round_run"),
    path(
        "matching/rounds/<int:round_pk>/confirm/",
        views.RoundConfirmView.as_view(),
        name="round_confirm",
    ),
    path("matching/choose/", views.ChooseHomeView.as_view(), name="choose_home"),
    path("matching/choose/<slug:program_slug>/", views.ChooseProgramView.as_view(), name="choose"),
    path(
        "matching/choose/<slug:program_slug>/<int:supporter_pk>/",
        views.ChooseRequestView.as_view(),
        name="choose_request",
    ),
    path("matching/rank/<slug:program_slug>/", views.RankView.as_view(), name="rank"),
    path("matching/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("matching/requests/", views.RequestListView.as_view(), name="requests"),
    path(
        "matching/requests/<int:request_pk>/",
        views.RequestDecideView.as_view(),
        name="request",
    ),
]
