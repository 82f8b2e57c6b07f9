"""Widgets and helpers every room uses: content texts, fonts, Qt translation bridge, background work, messages."""
