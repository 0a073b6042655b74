from django.urls import URLPattern, URLResolver

app_name = "public"

# Public pages of an organisation (PUBLIC_IN_ORG): /p/<org_slug>/...
urlpatterns: list[URLPattern | URLResolver] = []
