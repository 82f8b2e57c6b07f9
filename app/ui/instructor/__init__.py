"""The instructor workspace: accounts, classes, sign-offs, authoring editor, dashboard."""
