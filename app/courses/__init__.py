"""Courses: the file format (models), loading, validation, rendering, grading, library and packages.

Qt-free. The file format is described in the README ("Courses") and defined by ``models``.
"""
