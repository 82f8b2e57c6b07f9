"""The quiz runner: start page, question widgets per type, feedback and review."""
