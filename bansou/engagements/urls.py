from django.urls import URLPattern, URLResolver

app_name = "engagements"

urlpatterns: list[URLPattern | URLResolver] = []
