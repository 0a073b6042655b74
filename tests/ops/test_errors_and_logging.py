import logging

import pytest

pytestmark = pytest.mark.django_db


def test_500_page_is_friendly_and_shows_no_stack_trace(client, settings):
    settings.ROOT_URLCONF = "tests.ops.error_urls"
    client.raise_request_exception = False
    response = client.get("/crash/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "エラーが発生しました" in body
    assert "SECRET-INTERNAL-DETAIL" not in body and "Traceback" not in body


def test_404_page_in_english_when_chosen(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_404_page_in_japanese_by_default(client):
    response = client.get("/no/such/page/")
    assert "ページが見つかりません" in response.content.decode()


def test_every_request_is_logged_with_structured_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="bansou.request"):
        client.get("/healthz", HTTP_X_REQUEST_ID="req-123")
    records = [r for r in caplog.records if r.name == "bansou.request"]
    assert len(records) == 1
    record = records[0]
    assert (record.path, record.status, record.request_id) == ("/healthz", 200, "req-123")
    assert record.duration_ms >= 0
