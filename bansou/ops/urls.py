from django.urls import URLPattern, URLResolver, path

from bansou.ops.views import OutboxView

app_name = "ops"

urlpatterns: list[URLPattern | URLResolver] = [
    path("outbox/", OutboxView.as_view(), name="outbox"),
]
