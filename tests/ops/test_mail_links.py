"""Mail people can act on: every mail, sent through its real code path, links only to the
configured public address (and each link opens a page of the site); mail on behalf of an
organisation carries its contact address as Reply-To and ends with its signature, and asks
for a reply only when there is somewhere for the reply to go."""

import datetime
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.test.signals import template_rendered
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.engagements.models import Nudge, Session
from bansou.engagements.services import reminders
from bansou.engagements.services.booking_mail import booking_notify
from bansou.engagements.services.digest import radar_digest_send
from bansou.engagements.services.meetings import meeting_create
from bansou.engagements.services.nudges import nudge_send
from bansou.engagements.services.reflections import reflection_link_send
from bansou.matching.models import MatchingCriteria
from bansou.matching.services.notifications import notify_match
from bansou.matching.services.self_match import match_request_create
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Membership
from bansou.people.services.invitations import invitation_create
from bansou.people.services.members import email_change_confirm, member_correct
from bansou.programs.models import Side
from bansou.programs.services.applications import (
    application_accept,
    application_decline,
    application_submit,
    application_waitlist,
)
from tests.conftest import World
from tests.factories import (
    ClientProfileFactory,
    EnrollmentFactory,
    MembershipFactory,
    ProgramFactory,
    SupporterProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BASE = "https://bansou.example"
CONTACT = "office@org-a.test"
URL = re.compile(r"https?://[^\s<>\"'）」]+")
TEMPLATES = Path(settings.BASE_DIR) / "bansou" / "templates"
# Every mail template of the apps (partials, starting with "_", are included by them).
MAIL_TEMPLATES = sorted(
    str(path.relative_to(TEMPLATES))
    for folder in ("engagements/email", "matching/email", "programs/email", "people/email")
    for path in (TEMPLATES / folder).glob("*.txt")
    if not path.name.startswith("_")
)
ONLINE_MEETING = "https://meet.example.net/abc-defg-hij"  # the organisation's own tool


@pytest.fixture
def rendered() -> Iterator[set[str]]:
    names: set[str] = set()

    def record(sender: object, template: object, **kwargs: object) -> None:
        names.add(str(getattr(template, "name", "")))

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


def _speak(world: World, language: str) -> None:
    for user in world.a.members.values():
        user.language = language
        user.save(update_fields=["language"])
    second = world.a.extra["second_supporter"]
    second.language = language
    second.save(update_fields=["language"])


def _self_match_request(world: World) -> None:
    """A client of organisation A asks a ready supporter (the matching request mail)."""
    org = world.a.organization
    program = ProgramFactory(organization=org)  # no required training
    MatchingCriteria.objects.create(organization=org, program=program, allow_self_match=True)
    people = []
    for role, side in ((Role.SUPPORTER, Side.SUPPORTER), (Role.CLIENT, Side.CLIENT)):
        user = UserFactory(language=world.a.members[role].language)
        MembershipFactory(organization=org, user=user, role=role)
        EnrollmentFactory(program=program, user=user, side=side)
        factory = SupporterProfileFactory if side == Side.SUPPORTER else ClientProfileFactory
        factory(organization=org, user=user)
        people.append(user)
    supporter, client = people
    match_request_create(program=program, client=client, supporter=supporter)


def _application_mails(world: World, language: str) -> None:
    program = world.a.extra["program"]
    coordinator = world.a.members[Role.COORDINATOR]
    for n, decide in enumerate((application_accept, application_decline, application_waitlist)):
        application = application_submit(
            program=program,
            side=Side.CLIENT,
            email=f"applicant{n}@example.test",
            family_name="Smith",
            given_name="Anna",
            language=language,
        )
        decide(application=application, decided_by=coordinator)


def _allauth_mails(world: World) -> None:
    """allauth's own mails, asked for with a forged Host header: a reset link, the reset
    of an unknown address, a sign-in code."""
    hostile = {"HTTP_HOST": "evil.example", "SERVER_NAME": "evil.example"}
    client = Client(**hostile)
    for email in (world.a.members[Role.CLIENT].email, "nobody@example.test"):
        client.post(reverse("account_reset_password"), {"email": email})
    supporter = world.a.members[Role.SUPPORTER]
    client.post(reverse("account_request_login_code"), {"email": supporter.email})


def _send_everything(world: World, language: str) -> None:
    """Every mail of the apps, each through the service that sends it."""
    org = world.a.organization
    coordinator = world.a.members[Role.COORDINATOR]
    supporter, client = world.a.members[Role.SUPPORTER], world.a.members[Role.CLIENT]
    engagement = world.a.extra["engagement"]
    session: Session = world.a.extra["session"]
    Session.objects.filter(pk=session.pk).update(mode="online", meeting_url=ONLINE_MEETING)
    session.refresh_from_db()
    for change in ("booked", "moved", "cancelled"):
        booking_notify(session=session, change=change)
    reminders._mail(session=session, hours=24, client=client, supporters=[supporter])
    reflection_link_send(session=session)
    starts = timezone.now() + datetime.timedelta(days=20)
    meeting_create(
        organization=org,
        title="Case review",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        attendees=[supporter, world.a.extra["second_supporter"]],
        actor=coordinator,
    )
    for kind in Nudge.Kind.values:
        to_supporter = kind in (Nudge.Kind.OVER_CAPACITY, getattr(Nudge.Kind, "TO_RECORD", ""))
        nudge_send(
            organization=org,
            kind=kind,
            recipient=supporter if to_supporter else client,
            sent_by=coordinator,
            engagement=None if kind == Nudge.Kind.OVER_CAPACITY else engagement,
        )
    assert radar_digest_send(organization=org, now=timezone.now() + datetime.timedelta(days=400))
    notify_match(engagement=engagement, sender=coordinator)
    _self_match_request(world)
    _application_mails(world, language)
    invitation_create(
        organization=org, invited_by=coordinator, email="invitee@example.test", role=Role.CLIENT
    )
    _email_correction(world)
    _allauth_mails(world)


def _email_correction(world: World) -> None:
    """A coordinator corrects a member's address (the link to the new one, the notice to
    the old one) and the person confirms it (the notice that it changed)."""
    org, second = world.a.organization, world.a.extra["second_supporter"]
    membership = Membership.objects.get(organization=org, user=second)
    names = ("family_name", "given_name", "family_name_kana", "given_name_kana")
    member_correct(
        membership=membership,
        actor=world.a.members[Role.COORDINATOR],
        email="corrected@example.test",
        role=membership.role,
        **{name: getattr(second, name) or "名" for name in names},
    )
    pending = EmailAddress.objects.get(user=second, verified=False)
    email_change_confirm(organization=org, key=EmailConfirmationHMAC(pending).key)


@dataclass(frozen=True)
class Sent:
    """A delivered mail, with the outbox row it was sent from."""

    message: EmailMessage
    organization_id: int | None
    reply_to: str

    @property
    def body(self) -> str:
        return str(self.message.body)

    @property
    def subject(self) -> str:
        return str(self.message.subject)


@pytest.fixture
def sent(world, settings, rendered, django_capture_on_commit_callbacks):
    def send(*, contact: str, language: str = "en") -> list[Sent]:
        settings.BANSOU_BASE_URL = BASE
        # A Host header the site answers (another name of it) is still not the base of links.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
        org = world.a.organization
        org.contact_email = contact
        org.save(update_fields=["contact_email"])
        _speak(world, language)
        mail.outbox.clear()
        before = OutboxMessage.objects.order_by("pk").last()
        with django_capture_on_commit_callbacks(execute=True):
            _send_everything(world, language)
        rows = {
            (row.to_address, row.subject): row
            for row in OutboxMessage.objects.filter(pk__gt=before.pk if before else 0)
        }
        assert all(row.status == OutboxMessage.Status.SENT for row in rows.values())
        assert len(mail.outbox) == len(rows)
        result = []
        for message in mail.outbox:
            row = rows[(message.to[0], message.subject)]
            result.append(Sent(message, row.organization_id, row.reply_to))
        return result

    return send


def _links(body: str) -> list[str]:
    return [url.rstrip(".,;:") for url in URL.findall(body)]


def test_every_mail_links_only_to_the_public_address_and_every_link_opens_a_page(
    world, sent, rendered
):
    messages = sent(contact=CONTACT)
    missing = [name for name in MAIL_TEMPLATES if name not in rendered]
    assert not missing, f"mail templates no test path sent: {missing}"
    assert {"account/email/password_reset_key_message.txt"} <= rendered
    assert {"account/email/unknown_account_message.txt"} <= rendered
    links = 0
    for message in messages:
        assert message.body, message.subject
        assert "evil.example" not in message.subject, message.subject
        for url in _links(message.body):
            if url == ONLINE_MEETING:
                continue
            links += 1
            assert url.startswith(BASE + "/"), (message.subject, url)
            path = urlsplit(url).path
            try:
                resolve(path)
            except Resolver404:  # pragma: no cover - the assertion says which
                pytest.fail(f"{message.subject}: {url} opens no page")
        assert "evil.example" not in message.body, message.subject
    assert links >= len(messages) - 8  # nearly every mail gives something to open


def test_mail_on_behalf_of_the_organisation_replies_to_it_and_is_signed(world, sent):
    messages = sent(contact=CONTACT)
    org = world.a.organization
    by_org = [m for m in messages if m.organization_id == org.pk]
    assert len(by_org) >= 20
    for message in by_org:
        assert message.reply_to == CONTACT, message.subject
        assert message.body.rstrip().endswith(f"--\n{org.name}\n{CONTACT}"), message.body
    assert all(m.message.reply_to == [CONTACT] for m in by_org)
    assert all(m.message.reply_to == [] for m in messages if m.organization_id is None)
    quiet = next(m for m in by_org if m.subject.endswith("How are things going?"))
    assert "just reply to this email" in quiet.body


def test_without_a_contact_address_no_mail_asks_for_a_reply(world, sent):
    messages = sent(contact="")
    org = world.a.organization
    by_org = [m for m in messages if m.organization_id == org.pk]
    for message in by_org:
        assert message.reply_to == ""
        assert message.body.rstrip().endswith(f"--\n{org.name}"), message.body
        text = message.body.replace("Replies to this address are not read.", "")
        assert "reply" not in text.lower(), message.body
    assert all(m.message.reply_to == [] for m in messages)
    quiet = next(m for m in by_org if m.subject.endswith("How are things going?"))
    detail = reverse(
        "engagements:detail",
        kwargs={"org_slug": org.slug, "engagement_pk": world.a.extra["engagement"].pk},
    )
    assert BASE + detail in quiet.body  # somewhere to act instead


def test_the_signature_speaks_the_recipients_language(world, sent):
    messages = sent(contact=CONTACT, language="ja")
    org = world.a.organization
    by_org = [m for m in messages if m.organization_id == org.pk]
    with translation.override("ja"):
        line = gettext(
            "Sent through Bansō on behalf of %(org)s. If you have a question, reply to this "
            "email: your reply reaches %(org)s."
        ) % {"org": org.name}
    for message in by_org:
        assert message.body.rstrip().endswith(f"{line}\n--\n{org.name}\n{CONTACT}")


def test_a_base_url_with_a_path_keeps_it(world, settings, django_capture_on_commit_callbacks):
    settings.BANSOU_BASE_URL = "https://example.org/bansou/"
    with django_capture_on_commit_callbacks(execute=True):
        reflection_link_send(session=world.a.extra["session"])
    body = mail.outbox[-1].body
    assert [u for u in _links(body) if u.startswith("https://example.org/bansou/r/")]
    assert "https://example.org/bansou//" not in body


def _settings_base_url(env: dict[str, str]) -> str:
    code = "from django.conf import settings; print(settings.BANSOU_BASE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "bansou.settings.local", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _demo_base_url(*variables: str) -> str:
    """The address `make demo` serves and passes on as BANSOU_BASE_URL."""
    target = "print-base-url: ; @echo $(BANSOU_BASE_URL)"
    result = subprocess.run(
        ["make", "-s", "-f", "Makefile", "--eval", target, "print-base-url", *variables],
        env={"PATH": os.environ["PATH"]},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_local_settings_link_to_the_address_the_demo_serves():
    assert _settings_base_url({}) == "http://127.0.0.1:8000"
    if shutil.which("make") is None:  # pragma: no cover - make is how the demo starts
        pytest.skip("no make")
    assert _demo_base_url() == "http://127.0.0.1:8000"
    served = _demo_base_url("PORT=8080")
    assert served == "http://127.0.0.1:8080"
    assert _settings_base_url({"BANSOU_BASE_URL": served}) == served
