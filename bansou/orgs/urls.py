from django.urls import path

from bansou.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("members/", views.MemberListView.as_view(), name="members"),
    path("settings/mail/", views.OrganizationMailView.as_view(), name="mail_settings"),
]
