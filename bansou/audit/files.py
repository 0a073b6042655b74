"""The audit log's file: the filtered log as CSV, prepared in the background."""

from collections.abc import Callable
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import EXPORT_KIND, audit_export_filters, audit_export_write
from bansou.ops.models import PreparedFile
from bansou.ops.services.files import BuiltFile, FileKind


def _build_log_csv(
    *, prepared: PreparedFile, out: BinaryIO, progress: Callable[[int, int], None]
) -> BuiltFile:
    organization = prepared.organization
    audit_export_write(
        organization=organization,
        filters=audit_export_filters(organization=organization, params=prepared.params),
        until_moment=prepared.created_at,
        out=out,
        progress=progress,
    )
    day = timezone.localdate(prepared.created_at)
    return BuiltFile(
        filename=f"bansou-{organization.slug}-audit-{day:%Y-%m-%d}.csv",
        content_type="text/csv; charset=utf-8",
    )


FILE_KINDS = {EXPORT_KIND: FileKind(label=_("Audit log (CSV)"), build=_build_log_csv)}
