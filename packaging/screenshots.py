"""Take README screenshots of the real app on a seeded temporary data dir.

Run under Xvfb (``xvfb-run -s '-screen 0 1366x768x24' python packaging/screenshots.py OUT_DIR``)
or offscreen. Grabs each main screen in English and Chinese at 1366×768.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer

from app import i18n
from app.context import AppContext
from app.storage.models import Role
from app.ui.shell.application import make_qapp
from app.ui.shell.main_window import MainWindow


def settle(app, ms: int = 300) -> None:
    done = []
    QTimer.singleShot(ms, lambda: done.append(1))
    while not done:
        app.processEvents()


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = make_qapp()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext.open(Path(tmp))
        admin = ctx.accounts.create_first_admin("admin", "王主任", "admin-pass")
        ctx.accounts.add_user(admin, "zhangwei", "张伟", Role.TRAINEE, "trainee-pass")
        trainee = ctx.accounts.authenticate("zhangwei", "trainee-pass")
        win = MainWindow(ctx)
        win.resize(1366, 768)
        win.show()
        for code in ("en", "zh_CN"):
            i18n.set_locale(code)
            suffix = "en" if code == "en" else "zh"
            win.show_login()
            settle(app)
            win.grab().save(str(out / f"login-{suffix}.png"))
            win._logged_in(trainee)
            i18n.set_locale(code)
            for key in win.shell.page_keys():
                page = win.shell.show_page(key)
                settle(app)
                while key == "catalog" and not page.cards:  # the library loads in the background
                    settle(app, 100)
                win.grab().save(str(out / f"{key}-{suffix}.png"))
            win.logout()
        win._logged_in(admin)
        win.shell.show_page("instructor")
        settle(app)
        win.grab().save(str(out / "instructor-zh.png"))
        win.close()
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "shots")))
