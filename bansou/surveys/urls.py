from django.urls import URLPattern, URLResolver, path

from bansou.surveys.views import answer, builder, dispatch, results

app_name = "surveys"

# Under /o/<org_slug>/. One section per area; each area's views live in views/<area>.py.
urlpatterns: list[URLPattern | URLResolver] = []

# --- the builder (views/builder.py) ---------------------------------------------------------
urlpatterns += [
    path("surveys/", builder.SurveyListView.as_view(), name="list"),
    path("surveys/new/", builder.SurveyCreateView.as_view(), name="new"),
    path("surveys/<int:survey_pk>/", builder.SurveyDetailView.as_view(), name="survey"),
    path("surveys/<int:survey_pk>/edit/", builder.SurveyEditView.as_view(), name="edit"),
    path("surveys/<int:survey_pk>/status/", builder.SurveyStatusView.as_view(), name="status"),
    path("surveys/<int:survey_pk>/preview/", builder.SurveyPreviewView.as_view(), name="preview"),
    path(
        "surveys/<int:survey_pk>/questions/new/",
        builder.QuestionFormView.as_view(),
        name="question_new",
    ),
    path(
        "surveys/<int:survey_pk>/questions/<int:question_pk>/",
        builder.QuestionEditView.as_view(),
        name="question_edit",
    ),
    path(
        "surveys/<int:survey_pk>/questions/<int:question_pk>/move/",
        builder.QuestionMoveView.as_view(),
        name="question_move",
    ),
    path(
        "surveys/<int:survey_pk>/questions/<int:question_pk>/retire/",
        builder.QuestionRetireView.as_view(),
        name="question_retire",
    ),
    path(
        "surveys/<int:survey_pk>/questions/<int:question_pk>/delete/",
        builder.QuestionDeleteView.as_view(),
        name="question_delete",
    ),
]

# --- sending by hand (views/dispatch.py) -----------------------------------------------------
urlpatterns += [
    path("surveys/<int:survey_pk>/send/", dispatch.SurveySendView.as_view(), name="send"),
]

# --- results (views/results.py) ---------------------------------------------------------------
urlpatterns += [
    path("surveys/<int:survey_pk>/results/", results.SurveyResultsView.as_view(), name="results"),
    path(
        "surveys/<int:survey_pk>/answers/<int:answer_pk>/",
        results.AnswerCurateView.as_view(),
        name="curate",
    ),
]

# --- answering without signing in (views/answer.py): tokens are redacted in the request log ---
urlpatterns += [
    path("surveys/answer/<str:token>/", answer.InvitationAnswerView.as_view(), name="answer"),
    path("surveys/s/<str:link_token>/", answer.PublicAnswerView.as_view(), name="public"),
]
