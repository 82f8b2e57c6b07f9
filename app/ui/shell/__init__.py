"""The window's frame: start-up, main window, set-up/login/lock, navigation, settings, File menu actions."""
