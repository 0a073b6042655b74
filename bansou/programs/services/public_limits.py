"""How many applications the public form takes, per client address and per program.

Anyone may apply without signing in, so one client could otherwise fill a program's queue
(200 applications in 20 seconds were all accepted). Each program takes at most
``PER_ADDRESS`` applications from one address in a ``PER_ADDRESS_SECONDS`` window and
``PER_PROGRAM`` in a ``PER_PROGRAM_SECONDS`` window from everyone together; beyond that
the form is shown again, with the input, and a request to send it later
(docs/operations.md, "Public application forms").

The counters live in the shared cache (the database cache in the embedded default, Redis in
production), in fixed windows. They are read and written while the program's row is
locked, so that simultaneous submissions to one program are counted one after the other;
only an application that was stored is counted. Addresses are kept only as a hash.
"""

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.programs.models import Application, Program
from bansou.programs.services.applications import application_submit

PER_ADDRESS, PER_ADDRESS_SECONDS = 5, 10 * 60
PER_PROGRAM, PER_PROGRAM_SECONDS = 50, 60 * 60

TOO_MANY = _(
    "Many applications have arrived in a short time, so this one has not been sent yet. "
    "Your answers are kept below: please send them again a little later, or "
    "contact the organisation directly."
)


@dataclass(frozen=True)
class _Window:
    key: str
    limit: int
    seconds: int


def _windows(*, program: Program, address: str, now: float) -> list[_Window]:
    digest = hashlib.sha256(f"{program.pk}:{address}".encode()).hexdigest()[:32]
    return [
        _Window(
            key=f"bansou:apply:{program.pk}:{digest}:{int(now // PER_ADDRESS_SECONDS)}",
            limit=PER_ADDRESS,
            seconds=PER_ADDRESS_SECONDS,
        ),
        _Window(
            key=f"bansou:apply:{program.pk}:{int(now // PER_PROGRAM_SECONDS)}",
            limit=PER_PROGRAM,
            seconds=PER_PROGRAM_SECONDS,
        ),
    ]


@transaction.atomic
def application_submit_limited(*, program: Program, address: str, **applicant: Any) -> Application:
    """``application_submit`` (``applicant`` are its arguments but ``program``) unless this
    address or everyone has sent the program its share of applications in the current
    window: then a ``ValidationError`` with ``TOO_MANY`` (code ``too_many``), nothing stored."""
    Program.objects.select_for_update().get(pk=program.pk)
    windows = _windows(program=program, address=address, now=time.time())
    counts: dict[str, int] = cache.get_many([w.key for w in windows])
    if any(counts.get(w.key, 0) >= w.limit for w in windows):
        raise ValidationError(TOO_MANY, code="too_many")
    application = application_submit(program=program, **applicant)
    for window in windows:
        cache.set(window.key, counts.get(window.key, 0) + 1, timeout=window.seconds)
    return application
