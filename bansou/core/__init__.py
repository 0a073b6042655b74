"""The lowest layer: access policies and roles, the periodic-job registry and the small
helpers every app shares. It imports no other Bansō app."""
