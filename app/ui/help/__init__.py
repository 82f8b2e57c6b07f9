"""Help inside the app: the user guide (``docs/guide``), context help (F1) and the first-steps tour."""
