from django.urls import URLPattern, URLResolver, path

from bansou.salons.views import (
    block_changes,
    events,
    liaison,
    reservations,
    screen,
    series,
    venues,
    visits,
)

app_name = "salons"

# One section per area; each area's views live in views/<area>.py.
urlpatterns: list[URLPattern | URLResolver] = []

# --- venues (views/venues.py) -----------------------------------------------------------
urlpatterns += [
    path("salons/venues/", venues.VenueListView.as_view(), name="venues"),
    path("salons/venues/new/", venues.VenueCreateView.as_view(), name="venue_new"),
    path("salons/venues/<int:venue_pk>/", venues.VenueDetailView.as_view(), name="venue"),
    path("salons/venues/<int:venue_pk>/edit/", venues.VenueEditView.as_view(), name="venue_edit"),
    path(
        "salons/venues/<int:venue_pk>/people/",
        venues.VenueStaffView.as_view(),
        name="venue_staff",
    ),
    path(
        "salons/venues/<int:venue_pk>/closed-days/",
        venues.VenueClosuresView.as_view(),
        name="venue_closures",
    ),
    path(
        "salons/venues/<int:venue_pk>/weekly/new/",
        series.SeriesCreateView.as_view(),
        name="series_new",
    ),
    path("salons/", block_changes.BlockListView.as_view(), name="blocks"),
    path("salons/<int:block_pk>/", block_changes.BlockDetailView.as_view(), name="block"),
    path(
        "salons/<int:block_pk>/cancel/",
        block_changes.BlockCancelView.as_view(),
        name="block_cancel",
    ),
    path("salons/<int:block_pk>/move/", block_changes.BlockMoveView.as_view(), name="block_move"),
    path(
        "salons/<int:block_pk>/staff/",
        block_changes.BlockRestaffView.as_view(),
        name="block_restaff",
    ),
]

# --- weekly salons, blocks and reservations (views/blocks.py, views/reservations.py) ---
urlpatterns += [
    path("salons/reserve/", reservations.ReserveView.as_view(), name="reserve"),
    path(
        "salons/reservations/<int:reservation_pk>/cancel/",
        reservations.ReservationCancelView.as_view(),
        name="reservation_cancel",
    ),
]

# --- the salon screen and visits (views/screen.py) --------------------------------------
urlpatterns += [
    path("salons/today/", screen.TodayView.as_view(), name="today"),
    path("salons/<int:block_pk>/screen/", screen.ScreenView.as_view(), name="screen"),
    path("salons/<int:block_pk>/tap/", screen.TapView.as_view(), name="tap"),
    path("salons/<int:block_pk>/close/", screen.CloseView.as_view(), name="close"),
    path("salons/visits/<int:visit_pk>/", visits.VisitView.as_view(), name="visit"),
    path("salons/visits/<int:visit_pk>/note/", visits.VisitNoteView.as_view(), name="visit_note"),
    path("salons/visits/<int:visit_pk>/undo/", visits.VisitUndoView.as_view(), name="visit_undo"),
    path("salons/visits/<int:visit_pk>/next/", visits.NextVisitView.as_view(), name="next_visit"),
    path(
        "salons/visits/<int:visit_pk>/engage/",
        visits.VisitEngageView.as_view(),
        name="visit_engage",
    ),
]

# --- teacher liaison: referrals, consents, reports, thread (views/liaison.py) -----------
urlpatterns += [
    path("salons/schools/", liaison.SchoolListView.as_view(), name="schools"),
    path("salons/schools/<int:venue_pk>/", liaison.SchoolView.as_view(), name="school"),
    path(
        "salons/schools/<int:venue_pk>/refer/",
        liaison.ReferralCreateView.as_view(),
        name="referral_new",
    ),
    path("salons/schools/<int:venue_pk>/messages/", liaison.ThreadView.as_view(), name="thread"),
    path("salons/liaison/<int:venue_pk>/", liaison.LiaisonView.as_view(), name="liaison"),
    path(
        "salons/liaison/<int:venue_pk>/consents/new/",
        liaison.ConsentCreateView.as_view(),
        name="consent_new",
    ),
    path(
        "salons/liaison/<int:venue_pk>/reports/new/",
        liaison.ReportCreateView.as_view(),
        name="report_new",
    ),
    path(
        "salons/liaison/<int:venue_pk>/students/",
        liaison.VenueStudentSearchView.as_view(),
        name="venue_students",
    ),
    path(
        "salons/consents/<int:consent_pk>/withdraw/",
        liaison.ConsentWithdrawView.as_view(),
        name="consent_withdraw",
    ),
    path(
        "salons/referrals/<int:referral_pk>/close/",
        liaison.ReferralCloseView.as_view(),
        name="referral_close",
    ),
    path("salons/sharing/", liaison.MySharingView.as_view(), name="my_sharing"),
]

# --- group events (views/events.py) -----------------------------------------------------
urlpatterns += [
    path("salons/events/", events.EventListView.as_view(), name="events"),
    path("salons/events/new/", events.EventCreateView.as_view(), name="event_new"),
    path("salons/events/<int:event_pk>/", events.EventDetailView.as_view(), name="event"),
    path("salons/events/<int:event_pk>/edit/", events.EventEditView.as_view(), name="event_edit"),
    path(
        "salons/events/<int:event_pk>/cancel/",
        events.EventCancelView.as_view(),
        name="event_cancel",
    ),
    path(
        "salons/events/<int:event_pk>/record/",
        events.EventRecordView.as_view(),
        name="event_record",
    ),
]
