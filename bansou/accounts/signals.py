"""Signals the accounts app sends for the layers above it (the audit log records them)."""

from django.dispatch import Signal

# A sign-in attempt refused because the account or the address is throttled:
# ``request`` and ``login`` (what was typed as the address).
login_throttled = Signal()
