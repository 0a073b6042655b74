from django.urls import URLPattern, URLResolver, path

from bansou.people import views
from bansou.people.views import invitation_import, invitations, members

app_name = "people"

urlpatterns: list[URLPattern | URLResolver] = [
    path("supporters/", views.SupporterListView.as_view(), name="supporters"),
    path("supporters/new/", views.SupporterCreateView.as_view(), name="supporter_create"),
    path(
        "supporters/<int:supporter_pk>/",
        views.SupporterDetailView.as_view(),
        name="supporter_detail",
    ),
    path(
        "supporters/<int:supporter_pk>/edit/",
        views.SupporterEditView.as_view(),
        name="supporter_edit",
    ),
    path(
        "me/supporter-profile/",
        views.MySupporterProfileView.as_view(),
        name="my_supporter_profile",
    ),
    path("clients/", views.ClientListView.as_view(), name="clients"),
    path("people/search/", views.PersonSearchView.as_view(), name="search"),
    path("clients/new/", views.ClientCreateView.as_view(), name="client_create"),
    path("clients/<int:client_pk>/", views.ClientDetailView.as_view(), name="client_detail"),
    path("clients/<int:client_pk>/edit/", views.ClientEditView.as_view(), name="client_edit"),
    path(
        "clients/<int:client_pk>/consent/",
        views.ClientConsentView.as_view(),
        name="client_consent",
    ),
    path("members/invitations/", invitations.InvitationListView.as_view(), name="invitations"),
    path(
        "members/invitations/<int:invitation_pk>/",
        invitations.InvitationDetailView.as_view(),
        name="invitation",
    ),
    path(
        "members/invitations/import/",
        invitation_import.InvitationImportView.as_view(),
        name="invitation_import",
    ),
    path(
        "members/invitations/import/preview/",
        invitation_import.InvitationImportPreviewView.as_view(),
        name="invitation_import_preview",
    ),
    path("members/<int:member_pk>/", members.MemberCorrectView.as_view(), name="member_correct"),
    # The mailed links (no login): the token is redacted in the request log.
    path(
        "email-change/<str:token>/",
        members.EmailChangeConfirmView.as_view(),
        name="email_change_confirm",
    ),
    path(
        "invitation/<str:token>/",
        invitations.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
]
