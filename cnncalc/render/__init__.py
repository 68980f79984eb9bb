"""Renderers: a report in, text out. Formatting only; nothing here prints or computes."""
