from bansou.people.views.clients import (
    ClientConsentView,
    ClientCreateView,
    ClientDetailView,
    ClientEditView,
    ClientListView,
    PersonSearchView,
)
from bansou.people.views.supporters import (
    MySupporterProfileView,
    SupporterCreateView,
    SupporterDetailView,
    SupporterEditView,
    SupporterListView,
)

__all__ = [
    "ClientConsentView",
    "ClientCreateView",
    "ClientDetailView",
    "ClientEditView",
    "ClientListView",
    "MySupporterProfileView",
    "PersonSearchView",
    "SupporterCreateView",
    "SupporterDetailView",
    "SupporterEditView",
    "SupporterListView",
]
