"""The Qt application. Only this package (and the entry point) imports Qt."""
