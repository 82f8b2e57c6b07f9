"""The `zhizao` command line: the GUI by default, scriptable subcommands for admins."""
