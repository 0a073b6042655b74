"""Matching pages, by concern: criteria (coordinators weigh a program's criteria),
rounds (coordinators run, adjust and confirm rounds), self_match (clients choose or rank,
supporters answer) and preferences (what matching knows about a person)."""
