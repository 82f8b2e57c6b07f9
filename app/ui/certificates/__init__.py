"""Certificates in the UI: open/save/print actions, the instructor's certificates tab, the verify dialog."""
