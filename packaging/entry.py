"""Frozen entry point of the PyInstaller bundle (``zhizao`` / ``zhizao.exe``).

``multiprocessing.freeze_support()`` must run first: the simulators' parallel
replications start worker processes (spawn on Windows, forkserver once the GUI
runs on Linux), and in a frozen app those re-run this executable with special
arguments that freeze_support intercepts.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from app.cli.main import main

    sys.exit(main())
