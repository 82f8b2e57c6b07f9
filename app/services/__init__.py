"""Services: the only way the GUI and CLI read or change data. Roles are checked here."""
