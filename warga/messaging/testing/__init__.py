"""Test helpers for Warga's messaging: a real Kannel on loopback (see ``kannel.py``)."""
