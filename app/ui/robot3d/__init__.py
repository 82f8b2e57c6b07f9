"""The 3D robot cell view (issue 24): a software renderer on QPainter.

``view.RobotCellView`` is the widget. The geometry and the renderer's numpy core are Qt-free modules
(``mesh``, ``arm_mesh``, ``cell_mesh``, ``materials``, ``camera``, ``scene``) so they are tested without a
display; ``overlay`` and ``view`` paint. This package imports nothing else of the UI's rooms but ``common``.
"""
