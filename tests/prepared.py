"""Asking for a prepared file in a test: without a broker the file is built as soon as the
request's transaction commits (captured here, as a real commit would run it), so its page
already offers the download."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.test import TestCase


@dataclass
class Download:
    response: HttpResponse
    content: bytes

    @property
    def status_code(self) -> int:
        return self.response.status_code

    def __getitem__(self, header: str) -> str:
        return self.response[header]


def prepared_request(
    client: Any, url: str, data: dict[str, Any] | None = None, **extra: Any
) -> HttpResponse:
    """POSTs a file request; the commit's callbacks (the build) run before it returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, **extra)


def prepared_download(client: Any, response: HttpResponse) -> Download:
    """Follows the answer to a file request (a redirect to the file's page) to the file."""
    assert response.status_code == 302, response.status_code
    page = response["Location"]
    assert "/files/" in page, page
    download = client.get(f"{page}download/")
    assert download.status_code == 200 and download.streaming, download.status_code
    return Download(download, b"".join(download.streaming_content))


def prepared_content(client: Any, response: HttpResponse) -> bytes:
    return prepared_download(client, response).content
