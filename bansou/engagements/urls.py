from django.urls import URLPattern, URLResolver, path

from bansou.engagements.views import (
    booking,
    calendar,
    engagements,
    feeds,
    meetings,
    members,
    no_shows,
    radar,
    reflections,
    reminders,
    sessions,
    teams,
)

app_name = "engagements"

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "members/<int:member_pk>/deactivate/",
        members.MemberDeactivateView.as_view(),
        name="member_deactivate",
    ),
    path("engagements/", engagements.EngagementListView.as_view(), name="list"),
    path(
        "engagements/change-several/",
        engagements.EngagementBulkStatusView.as_view(),
        name="bulk_status",
    ),
    path("engagements/new/", engagements.EngagementCreateView.as_view(), name="create"),
    path(
        "engagements/<int:engagement_pk>/",
        engagements.EngagementDetailView.as_view(),
        name="detail",
    ),
    path(
        "engagements/<int:engagement_pk>/status/",
        engagements.EngagementStatusView.as_view(),
        name="status",
    ),
    path(
        "engagements/<int:engagement_pk>/goals/",
        engagements.EngagementGoalsView.as_view(),
        name="goals",
    ),
    path(
        "engagements/<int:engagement_pk>/rematch/",
        engagements.RematchRequestView.as_view(),
        name="rematch",
    ),
    path(
        "engagements/<int:engagement_pk>/sessions/new/",
        sessions.SessionCreateView.as_view(),
        name="session_create",
    ),
    path(
        "engagements/<int:engagement_pk>/sessions/cadence/",
        sessions.CadenceView.as_view(),
        name="cadence",
    ),
    path("sessions/", sessions.SessionListView.as_view(), name="sessions"),
    path("rematch-requests/", engagements.RematchQueueView.as_view(), name="rematch_queue"),
    path(
        "sessions/<int:session_pk>/edit/", sessions.SessionEditView.as_view(), name="session_edit"
    ),
    path(
        "sessions/<int:session_pk>/status/",
        sessions.SessionStatusView.as_view(),
        name="session_status",
    ),
    path(
        "sessions/<int:session_pk>/mark/",
        no_shows.SessionMarkView.as_view(),
        name="session_mark",
    ),
    path(
        "sessions/<int:session_pk>/record/",
        sessions.SessionRecordView.as_view(),
        name="session_record",
    ),
    path(
        "sessions/<int:session_pk>/reflection/",
        reflections.ReflectionView.as_view(),
        name="reflection",
    ),
    path("notes/<int:note_pk>/", sessions.NoteView.as_view(), name="note"),
    path(
        "notes/<int:note_pk>/audited-read/",
        sessions.NoteAuditedReadView.as_view(),
        name="note_audited",
    ),
    path("journal/", reflections.JournalView.as_view(), name="journal"),
    path("book/", booking.BookIndexView.as_view(), name="book"),
    path("book/<int:type_pk>/", booking.BookTimesView.as_view(), name="book_times"),
    path("book/<int:type_pk>/confirm/", booking.BookConfirmView.as_view(), name="book_confirm"),
    path("bookings/<int:session_pk>/", booking.BookingView.as_view(), name="booking"),
    path(
        "bookings/<int:session_pk>/reschedule/",
        booking.BookingRescheduleView.as_view(),
        name="booking_reschedule",
    ),
    path(
        "bookings/<int:session_pk>/cancel/",
        booking.BookingCancelView.as_view(),
        name="booking_cancel",
    ),
    path("radar/", radar.RadarView.as_view(), name="radar"),
    path("radar/nudge/", radar.NudgeView.as_view(), name="nudge"),
    path("radar/nudge-several/", radar.NudgeSeveralView.as_view(), name="nudge_several"),
    path("no-shows/", no_shows.NoShowRatesView.as_view(), name="no_shows"),
    # The team pages stay beside the people pages (/o/<org>/teams/); they are here because
    # membership changes reach the team's engagements.
    path("teams/", teams.TeamListView.as_view(), name="teams"),
    path("teams/new/", teams.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:team_pk>/", teams.TeamDetailView.as_view(), name="team_detail"),
    # A private calendar address; the .ics is read by calendars without signing in.
    path("calendar/", calendar.MyWeekView.as_view(), name="calendar"),
    path("reminders/", reminders.RemindersView.as_view(), name="reminders"),
    path(
        "programs/<slug:program_slug>/calendar/",
        calendar.ProgramCalendarView.as_view(),
        name="program_calendar",
    ),
    path("calendar/feed/", feeds.FeedView.as_view(), name="feed"),
    path("meetings/", meetings.MeetingListView.as_view(), name="meetings"),
    path("meetings/new/", meetings.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:meeting_pk>/", meetings.MeetingDetailView.as_view(), name="meeting"),
    path(
        "meetings/<int:meeting_pk>/cancel/",
        meetings.MeetingCancelView.as_view(),
        name="meeting_cancel",
    ),
    path("calendar/feed/<str:feed_token>.ics", feeds.FeedIcsView.as_view(), name="feed_ics"),
]
