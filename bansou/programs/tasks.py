"""Background work of the programs app: tasks take ids and call a function; without a
broker they run inline (CELERY_TASK_ALWAYS_EAGER)."""

from celery import shared_task
from django_scopes import scope, scopes_disabled

from bansou.programs.emails import send_application_decision
from bansou.programs.models import Application


@shared_task(name="bansou.programs.send_application_decision_email")
def send_application_decision_email(application_pk: int, status: str) -> None:
    with scopes_disabled():
        application = Application.objects.select_related("program", "organization", "user").get(
            pk=application_pk
        )
    with scope(organization=application.organization):
        send_application_decision(application=application, status=status)
