"""The GUI fixtures of tests/ui (window, messages, and its autouse checks) for the export button's test."""

from tests.ui.conftest import (  # noqa: F401
    messages,
    no_forgotten_modal,
    no_leftover_windows,
    qapp_ready,
    window,
)
