"""Audit triggers are installed by migration; nothing to connect at runtime yet."""
