"""Settings: language (per user), own password, and center settings for administrators."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.i18n import _
from app.services.auth import Role, ServiceError
from app.ui.common.form_rows import action_row, labelled_rows
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed


class SettingsPage(Page):
    key = "settings"

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        lay = self.page_layout()

        self.lang_box = QGroupBox()
        lf = QFormLayout(self.lang_box)
        self.language = QComboBox(objectName="settingsLanguage")
        for code in i18n.available_locales():
            self.language.addItem(i18n.locale_display_name(code), code)
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.lang_label = QLabel()
        self.lang_label.setBuddy(self.language)
        lf.addRow(self.lang_label, self.language)
        lay.addWidget(self.lang_box)

        self.pw_box = QGroupBox()
        pf = QFormLayout(self.pw_box)
        self.old_pw = QLineEdit(objectName="oldPassword", echoMode=QLineEdit.EchoMode.Password)
        self.new_pw = QLineEdit(objectName="newPassword", echoMode=QLineEdit.EchoMode.Password)
        self.rep_pw = QLineEdit(objectName="repeatPassword", echoMode=QLineEdit.EchoMode.Password)
        self.pw_labels = labelled_rows(pf, (self.old_pw, self.new_pw, self.rep_pw))
        self.pw_btn = QPushButton(objectName="changePassword")
        self.pw_btn.clicked.connect(self._change_password)
        self.pw_msg = action_row(pf, self.pw_btn)
        lay.addWidget(self.pw_box)

        self.center_box = QGroupBox()
        cf = QFormLayout(self.center_box)
        self.center_name = QLineEdit(objectName="centerName")
        self.center_name_zh = QLineEdit(objectName="centerNameZh")
        self.idle = QSpinBox(objectName="idleMinutes", minimum=1, maximum=240)
        self.center_labels = labelled_rows(cf, (self.center_name, self.center_name_zh, self.idle))
        self.center_btn = QPushButton(objectName="saveCenter")
        self.center_btn.clicked.connect(self._save_center)
        self.center_msg = action_row(cf, self.center_btn)
        lay.addWidget(self.center_box)
        self.center_box.setVisible(actor.role is Role.ADMIN)

        # What an administrator at the center enrols so this workstation's bundles are accepted.
        self.sync_box = QGroupBox()
        sf = QVBoxLayout(self.sync_box)
        self.sync_intro = QLabel(wordWrap=True)
        self.sync_fp = QLabel(objectName="settingsFingerprint")
        self.sync_fp.setStyleSheet("QLabel { font-family: monospace; font-size: 18pt; font-weight: bold; "
                                   "color: #123a5c; }")
        self.sync_fp.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sf.addWidget(self.sync_intro)
        sf.addWidget(self.sync_fp)
        lay.addWidget(self.sync_box)
        self.sync_box.setVisible(actor.is_staff)
        lay.addStretch(1)
        on_language_changed(self, self.retranslate)
        self.activated()

    @classmethod
    def title(cls) -> str:  # the shell names the page before building it
        return _("Settings")

    def retranslate(self) -> None:
        self.heading.setText(_("Settings"))
        self.lang_box.setTitle(_("Language"))
        self.lang_label.setText(_("&Interface language:"))
        self.pw_box.setTitle(_("Password"))
        texts = (_("C&urrent password:"), _("&New password:"), _("&Repeat new password:"))
        for label, text in zip(self.pw_labels, texts):
            label.setText(text)
        self.pw_btn.setText(_("Change password"))
        self.center_box.setTitle(_("Training center"))
        for label, text in zip(self.center_labels, (_("Center name (English):"), _("Center name (Chinese):"),
                                                    _("Lock after idle (minutes):"))):
            label.setText(text)
        self.center_btn.setText(_("Save"))
        self.sync_box.setTitle(_("This workstation's fingerprint"))
        self.sync_intro.setText(_("An administrator at the center enrols this fingerprint (Instructor workspace → "
                                  "Workstations) before progress bundles from this workstation are accepted. "
                                  "Read it out and compare it on both screens."))
        idx = self.language.findData(i18n.current_locale())
        self.language.blockSignals(True)
        self.language.setCurrentIndex(max(0, idx))
        self.language.blockSignals(False)

    def activated(self) -> None:
        values = self.ctx.settings.all()
        self.center_name.setText(values["center_name"])
        self.center_name_zh.setText(values["center_name_zh"])
        self.idle.setValue(self.ctx.settings.idle_lock_minutes())
        if self.actor.is_staff and not self.sync_fp.text():
            try:
                self.sync_fp.setText(self.ctx.workstations.own_fingerprint())
            except ServiceError as exc:
                self.sync_fp.setText(str(exc))

    def _language_chosen(self, index: int) -> None:
        code = self.language.itemData(index)
        if code and code != i18n.current_locale():
            self.ctx.accounts.set_locale(self.actor, code)
            i18n.set_locale(code)

    def _change_password(self) -> None:
        if self.new_pw.text() != self.rep_pw.text():
            self.pw_msg.say(lambda: _("The passwords do not match."))
            return
        try:
            self.ctx.accounts.set_password(self.actor, self.actor.login, self.new_pw.text(), self.old_pw.text())
        except ServiceError as exc:
            self.pw_msg.setText(str(exc))
            return
        for f in (self.old_pw, self.new_pw, self.rep_pw):
            f.clear()
        self.pw_msg.say(lambda: _("Password changed."))

    def _save_center(self) -> None:
        try:
            self.ctx.settings.set(self.actor, "center_name", self.center_name.text().strip())
            self.ctx.settings.set(self.actor, "center_name_zh", self.center_name_zh.text().strip())
            self.ctx.settings.set(self.actor, "idle_lock_minutes", str(self.idle.value()))
        except (ServiceError, PermissionError) as exc:
            self.center_msg.setText(str(exc))
            return
        self.center_msg.say(lambda: _("Saved."))
        self.settings_changed.emit()
