from django.urls import URLPattern, URLResolver, path  # noqa: F401

app_name = "salons"

# One section per area; each area's views live in views/<area>.py.
urlpatterns: list[URLPattern | URLResolver] = []

# --- venues (views/venues.py) -----------------------------------------------------------

# --- weekly salons, blocks and reservations (views/blocks.py, views/reservations.py) ---

# --- the salon screen and visits (views/screen.py) --------------------------------------

# --- teacher liaison: referrals, consents, reports, thread (views/liaison.py) -----------

# --- group events (views/events.py) -----------------------------------------------------
