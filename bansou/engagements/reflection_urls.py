from django.urls import URLPattern, URLResolver, path

from bansou.engagements.views.reflections import ReflectionLinkView

app_name = "reflect"

# The client's single-use reflection link (no login): /r/<token>/
urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:token>/", ReflectionLinkView.as_view(), name="link"),
]
