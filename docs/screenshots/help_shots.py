"""Screenshots of Help → User guide and First steps in both languages (docs/screenshots/help-*.png).

Run from the repository root, offscreen or under Xvfb::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/help_shots.py docs/screenshots

Strings waiting in i18n/zh_CN/fragments/*.po (not merged into the catalog yet) are laid over the
shipped catalog, so the Chinese pictures show what the merged catalog will show.
"""

from __future__ import annotations

import gettext
import io
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PySide6.QtCore import QTimer

from app import i18n
from app.context import AppContext
from app.paths import i18n_dir
from app.storage.models import Role
from app.ui.shell.application import make_qapp
from app.ui.shell.main_window import MainWindow

ORIGINAL_LOAD = i18n._load


def with_fragments(code: str):
    shipped = ORIGINAL_LOAD(code)
    if code != "zh_CN":
        return shipped
    merged = None
    for path in sorted((i18n_dir() / "zh_CN" / "fragments").glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        layer = gettext.GNUTranslations(buf)
        if merged is None:
            merged = layer
        else:
            merged.add_fallback(layer)
    if merged is None:
        return shipped
    merged.add_fallback(shipped)
    return merged


def settle(app, ms: int = 300) -> None:
    done = []
    QTimer.singleShot(ms, lambda: done.append(1))
    while not done:
        app.processEvents()


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    i18n._load = with_fragments
    app = make_qapp()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext.open(Path(tmp))
        admin = ctx.accounts.create_first_admin("admin", "王主任", "admin-pass")
        ctx.accounts.add_user(admin, "zhangwei", "张伟", Role.TRAINEE, "trainee-pass")
        trainee = ctx.accounts.authenticate("zhangwei", "trainee-pass")
        win = MainWindow(ctx)
        win.resize(1366, 768)
        win.show()
        for code, suffix, word in (("en", "en", "Submit"), ("zh_CN", "zh", "提交")):
            i18n.set_locale(code)
            win._logged_in(trainee)
            i18n.set_locale(code)
            win.showNormal()
            win.resize(1366, 768)  # the window fits the (offscreen) screen after login; the pictures are 1366×768
            catalog = win.shell.show_page("catalog")
            while not catalog.cards:  # the library loads in the background
                settle(app, 100)
            catalog.first_steps.show_card(2)
            settle(app)
            win.grab().save(str(out / f"help-first-steps-{suffix}.png"))
            guide = win.open_guide("trainee", "labs-the-live-simulator-views")
            guide.resize(1100, 680)
            guide.search.setText(word)
            guide.apply_search()
            guide.show_topic("trainee", "labs-the-live-simulator-views")
            settle(app)
            guide.grab().save(str(out / f"help-guide-{suffix}.png"))
            guide.close()
            win.logout()
            ctx.accounts.set_preference(trainee, "first_steps_seen", "")
        win.close()
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
