"""Thin adapters: the command line, Telegram (Zalo next)."""
