"""Every mail goes through the outbox: a mail server that fails never turns a saved change
into an error page; failures are retried with backoff, logged without their content and
shown to coordinators."""

import datetime
import logging
import smtplib
import socketserver
import threading
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import Nudge, Session
from bansou.ops.mail import MailRecipient, send_templated_mail
from bansou.ops.models import OutboxMessage
from bansou.ops.periodic import run_periodic
from bansou.ops.services import outbox
from bansou.ops.tasks import deliver_outbox_message
from bansou.programs.models import Application
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
SECRET = "tok-4f9c2e-SECRET-do-not-log"


class _RefusingSMTPHandler(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP to accept the envelope, then refuses the message."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 stand-in ESMTP")
        for raw in self.rfile:
            command = raw.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._say("250 stand-in")
            elif command.startswith("DATA"):
                self._say("554 5.7.1 Message refused by policy")
            elif command.startswith("QUIT"):
                self._say("221 bye")
                return
            else:
                self._say("250 OK")


@pytest.fixture
def refusing_smtp(settings) -> Iterator[int]:
    """Django's real SMTP backend, pointed at a local server that answers 554 to DATA."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RefusingSMTPHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class AlwaysFailingBackend:
    """A mail backend whose server is never reachable."""

    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


FAILING = "tests.ops.test_mail_outbox.AlwaysFailingBackend"


def _queue(world, body: str = "Hello") -> OutboxMessage:
    return outbox.outbox_enqueue(
        to="someone@example.test",
        subject="[Bansō] Test",
        body=body,
        organization=world.a.organization,
    )


def _nudge(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    engagement = world.a.extra["engagement"]
    Session.objects.filter(engagement=engagement).update(
        starts_at=timezone.now() - datetime.timedelta(days=40),
        ends_at=timezone.now() - datetime.timedelta(days=40),
    )
    url = reverse("engagements:nudge", args=[world.a.organization.slug])
    params = {"kind": "quiet", "recipient": supporter.pk, "engagement": engagement.pk}
    return supporter, client_for(world.a.members[Role.COORDINATOR]), url, params


def test_nudge_with_a_refusing_mail_server_redirects_and_keeps_the_nudge(
    world, client_for, refusing_smtp, django_capture_on_commit_callbacks
):
    supporter, client, url, params = _nudge(world, client_for)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, params)
    assert response.status_code == 302
    assert Nudge.objects.filter(recipient=supporter, kind="quiet").count() == 1
    message = OutboxMessage.objects.get(to_address=supporter.email)
    assert message.organization == world.a.organization
    assert (message.status, message.attempts) == (OutboxMessage.Status.QUEUED, 1)
    assert message.last_error.startswith("SMTPDataError")
    assert "554" in message.last_error
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)


def test_application_accept_with_a_refusing_mail_server_redirects_and_is_saved(
    world, client_for, refusing_smtp, django_capture_on_commit_callbacks
):
    org = world.a.organization
    application = ApplicationFactory(program=world.a.extra["program"], email="new@example.test")
    url = reverse(
        "programs:application", kwargs={"org_slug": org.slug, "application_pk": application.pk}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.a.members[Role.COORDINATOR]).post(
            url, {"decision": "accept", "message": "ようこそ"}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    message = OutboxMessage.objects.get(to_address="new@example.test")
    assert (message.status, message.attempts) == (OutboxMessage.Status.QUEUED, 1)
    assert "ようこそ" in message.body  # kept for the next attempt


def test_delivered_mail_is_sent_once_and_its_body_is_not_kept(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send_templated_mail(
            recipient=MailRecipient(email="en@example.test", language="en"),
            organization=world.a.organization,
            subject="Hello",
            template="engagements/email/reflection_link.txt",
            context={"url": f"https://bansou.example/r/{SECRET}/", "session": None},
        )
    assert [m.to for m in mail.outbox] == [["en@example.test"]]
    assert SECRET in mail.outbox[0].body
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    assert message.body == "" and SECRET not in message.subject
    # A second hand-over (a late task, the periodic job) does not send it again.
    assert outbox.outbox_deliver(message_id=message.pk).status == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


def test_retries_back_off_then_the_message_is_marked_failed(world, settings):
    settings.EMAIL_BACKEND = FAILING
    message = _queue(world)
    now = timezone.now()
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        early = outbox.outbox_deliver(message_id=message.pk, now=now - datetime.timedelta(hours=1))
        message.refresh_from_db()
        assert message.attempts == attempt - 1, "not due yet: no attempt"
        assert early.retry_in is None
        delivery = outbox.outbox_deliver(message_id=message.pk, now=now)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        if attempt < outbox.MAX_ATTEMPTS:
            waits.append(delivery.retry_in)
            assert message.status == OutboxMessage.Status.QUEUED
            assert message.next_attempt_at == now + datetime.timedelta(seconds=delivery.retry_in)
            now = message.next_attempt_at
    assert waits == [60, 300, 1500, 7500]
    assert message.status == OutboxMessage.Status.FAILED
    assert message.next_attempt_at is None
    assert delivery.retry_in is None


def test_the_task_with_a_broker_retries_with_the_backoff_countdown(world, settings):
    settings.EMAIL_BACKEND = FAILING
    message = _queue(world)
    with (
        mock.patch.object(
            deliver_outbox_message, "retry", side_effect=RuntimeError("retried")
        ) as retry,
        pytest.raises(RuntimeError, match="retried"),
    ):
        deliver_outbox_message.run(message.pk)
    retry.assert_called_once_with(countdown=60)


def test_inline_task_run_records_the_failure_without_raising(world, settings):
    settings.EMAIL_BACKEND = FAILING
    message = _queue(world)
    result = deliver_outbox_message.apply(args=[message.pk])
    assert result.get() == OutboxMessage.Status.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_broker_that_is_down_leaves_the_row_queued_and_the_periodic_job_sends_it(
    world, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with (
        mock.patch(
            "bansou.ops.services.outbox.current_app.send_task", side_effect=ConnectionRefusedError
        ) as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = _queue(world)
    send_task.assert_called_once_with(outbox.DELIVER_TASK, args=[message.pk])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.QUEUED, 0)
    assert mail.outbox == []
    outcomes = run_periodic(only="ops.outbox_resend")
    assert [(o.name, o.ok, o.result) for o in outcomes] == [("ops.outbox_resend", True, 1)]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert [m.subject for m in mail.outbox] == ["[Bansō] Test"]


def test_the_periodic_job_waits_for_the_backoff(world, settings):
    settings.EMAIL_BACKEND = FAILING
    message = _queue(world)
    outbox.outbox_deliver(message_id=message.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_periodic(only="ops.outbox_resend")[0].result == 0
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert run_periodic(now=later, only="ops.outbox_resend")[0].result == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 2)


def test_failures_are_logged_by_id_without_the_body(world, settings, caplog):
    settings.EMAIL_BACKEND = FAILING
    message = _queue(world, body=f"Set your password: https://bansou.example/k/{SECRET}/")
    with caplog.at_level(logging.DEBUG):
        outbox.outbox_deliver(message_id=message.pk)
    warnings = [r for r in caplog.records if r.name == "bansou.mail"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert str(message.pk) in warnings[0].getMessage()
    assert SECRET not in caplog.text
    assert "someone@example.test" not in caplog.text


def _outbox_url(world) -> str:
    return reverse("ops:outbox", args=[world.a.organization.slug])


def test_outbox_page_lists_the_organisations_mail_for_coordinators_only(world, client_for):
    failed = world.a.extra["outbox_message"]
    url = _outbox_url(world)
    page = client_for(world.a.members[Role.COORDINATOR]).get(url).content.decode()
    assert failed.subject in page
    assert failed.last_error in page
    assert "Retry now" in page or "再送" in page
    assert failed.body not in page  # bodies may carry single-use links
    assert f'href="{url}"' in page  # in the coordinator's menu
    assert world.b.extra["outbox_message"].subject not in page
    assert client_for(world.a.members[Role.SUPPORTER]).get(url).status_code == 403
    assert client_for(world.b.members[Role.COORDINATOR]).get(url).status_code == 404


def test_outbox_page_filters_by_status_and_searches_the_recipient(world, client_for):
    _queue(world)
    client = client_for(world.a.members[Role.COORDINATOR])
    url = _outbox_url(world)
    failed_subject = world.a.extra["outbox_message"].subject
    queued_only = client.get(url, {"status": "queued"}).content.decode()
    assert "someone@example.test" in queued_only and failed_subject not in queued_only
    found = client.get(url, {"q": "OUTBOX@org-a"}).content.decode()
    assert failed_subject in found and "someone@example.test" not in found


def test_outbox_page_paginates_by_25(world, client_for):
    for n in range(30):
        outbox.outbox_enqueue(
            to=f"p{n}@example.test", subject="s", body="b", organization=world.a.organization
        )
    client = client_for(world.a.members[Role.COORDINATOR])
    first = client.get(_outbox_url(world)).content.decode()
    assert "p29@example.test" in first and "p4@example.test" not in first
    second = client.get(_outbox_url(world), {"page": 2}).content.decode()
    assert "p4@example.test" in second


def test_outbox_page_query_count_is_flat(world, client_for, assert_constant_queries):
    client = client_for(world.a.members[Role.COORDINATOR])
    made = iter(range(1000))

    def build(n: int) -> list[str]:
        addresses = [f"flat{next(made)}@example.test" for _ in range(n)]
        for address in addresses:
            outbox.outbox_enqueue(
                to=address, subject="s", body="b", organization=world.a.organization
            )
        return addresses[-3:]

    assert_constant_queries(build=build, get=lambda: client.get(_outbox_url(world)), large=20)


def test_retry_now_sends_a_failed_message_again(
    world, client_for, django_capture_on_commit_callbacks
):
    failed = world.a.extra["outbox_message"]
    client = client_for(world.a.members[Role.COORDINATOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_outbox_url(world), {"message": failed.pk})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxMessage.Status.SENT, 1)
    assert [m.to for m in mail.outbox] == [[failed.to_address]]


def test_retry_now_refuses_other_organisations_and_non_failed_messages(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    other = world.b.extra["outbox_message"]
    assert client.post(_outbox_url(world), {"message": other.pk}).status_code == 404
    other.refresh_from_db()
    assert other.status == OutboxMessage.Status.FAILED
    queued = _queue(world)
    client.post(_outbox_url(world), {"message": queued.pk})
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutboxMessage.Status.QUEUED, 0)
    assert (
        client_for(world.a.members[Role.SUPPORTER])
        .post(_outbox_url(world), {"message": world.a.extra["outbox_message"].pk})
        .status_code
        == 403
    )


def test_password_reset_mail_goes_through_the_outbox(
    settings, client, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    settings.BANSOU_BASE_URL = "https://bansou.example"
    UserFactory(email="hanako@example.test", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"),
            {"email": "hanako@example.test"},
            HTTP_ACCEPT_LANGUAGE="ja",
        )
    assert response.status_code == 302
    message = OutboxMessage.objects.get(to_address="hanako@example.test")
    assert message.organization is None
    assert message.status == OutboxMessage.Status.SENT
    assert "https://bansou.example/accounts/password/reset/key/" in mail.outbox[0].body
    assert "Password Reset" in mail.outbox[0].subject  # the recipient's language, not ja
