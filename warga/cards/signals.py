"""What the cards app announces to the apps built on it."""

from __future__ import annotations

from django.dispatch import Signal

# A KTP-el was handed to its holder at an office. Sent inside the hand-over's transaction with
# `handover`, `resident_id` and `by` (the officer's user, or None); outreach marks the matching
# targets of coming field days as served.
card_handed_over = Signal()
