"""A person's data as a prepared file: the client's own download and the coordinator's
disclosure export, in PDF or JSON (``privacy.documents``), built in the background."""

from collections.abc import Callable
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.ops.models import PreparedFile
from bansou.ops.services.files import BuiltFile, FileKind
from bansou.privacy.documents import JSON_CONTENT_TYPE, PDF_CONTENT_TYPE, export_json, export_pdf
from bansou.privacy.selectors.export import personal_data, personal_data_subject


def _build(
    *, prepared: PreparedFile, out: BinaryIO, progress: Callable[[int, int], None]
) -> BuiltFile:
    organization, params = prepared.organization, prepared.params
    client = personal_data_subject(organization=organization, pk=params["client"])
    data = personal_data(
        organization=organization,
        client=client,
        include_private_notes=bool(params.get("private_notes")),
    )
    progress(1, 2)
    pdf = params["file_format"] == "pdf"
    out.write(export_pdf(data) if pdf else export_json(data))
    day = timezone.localdate(prepared.created_at)
    name = params.get("name", "")
    return BuiltFile(
        filename=f"bansou-{organization.slug}-{name}{day:%Y-%m-%d}.{params['file_format']}",
        content_type=PDF_CONTENT_TYPE if pdf else JSON_CONTENT_TYPE,
    )


FILE_KINDS = {
    "privacy.my_data_pdf": FileKind(label=_("My data (PDF)"), build=_build),
    "privacy.my_data_json": FileKind(label=_("My data (JSON)"), build=_build),
    "privacy.disclosure_pdf": FileKind(label=_("Disclosure export (PDF)"), build=_build),
    "privacy.disclosure_json": FileKind(label=_("Disclosure export (JSON)"), build=_build),
}
