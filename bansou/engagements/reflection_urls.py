from django.urls import URLPattern, URLResolver

app_name = "reflect"

# The client's single-use reflection link (no login): /r/<token>/
urlpatterns: list[URLPattern | URLResolver] = []
