from bansou.people.views.clients import (
    ClientConsentView,
    ClientCreateView,
    ClientDetailView,
    ClientEditView,
    ClientListView,
)
from bansou.people.views.supporters import (
    MySupporterProfileView,
    SupporterCreateView,
    SupporterDetailView,
    SupporterEditView,
    SupporterListView,
)
from bansou.people.views.teams import TeamCreateView, TeamDetailView, TeamListView

__all__ = [
    "ClientConsentView",
    "ClientCreateView",
    "ClientDetailView",
    "ClientEditView",
    "ClientListView",
    "MySupporterProfileView",
    "SupporterCreateView",
    "SupporterDetailView",
    "SupporterEditView",
    "SupporterListView",
    "TeamCreateView",
    "TeamDetailView",
    "TeamListView",
]
