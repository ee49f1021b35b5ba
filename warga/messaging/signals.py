"""What messaging announces about a number, sent inside the transaction that records it, so that
the apps keeping numbers of their own (the register's phones) follow: every signal has `number`
(an MSISDN) and `at`."""

from __future__ import annotations

from django.dispatch import Signal

number_opted_out = Signal()  # BERHENTI/STOP: no broadcasts or invitations any more
number_opted_in = Signal()  # DAFTAR: broadcasts again (also `channel`)
number_failed_permanently = Signal()  # the last messages all failed: no more broadcasts
number_reachable = Signal()  # a message reached a number marked failed: the mark is cleared
