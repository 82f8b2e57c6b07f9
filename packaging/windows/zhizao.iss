; Inno Setup 6 script: installs the PyInstaller folder dist\zhizao\ built on Windows.
; Build steps: packaging\windows\README.md. Compile from the repository root:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\zhizao.iss
; Output: dist\ZhizaoAcademy-<version>-setup.exe (copy it to the USB stick).
;
; Program files only: every Windows user's data (database, keys, certificates, logs, instructor
; library) is created by the app itself on first start in %LOCALAPPDATA%\zhizao, and is left in
; place on uninstall.
; Unattended, for every user, pointing at the center's PostgreSQL server:
;   ZhizaoAcademy-0.1.0-setup.exe /VERYSILENT /ALLUSERS /DBURL="postgresql+psycopg://zhizao:PASSWORD@trainserver/zhizao"

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Zhizao Academy"
#define AppNameZh "智造学院"

[Setup]
; Fixed for the life of the product: upgrades replace the earlier installation.
AppId={{6F1C2B7E-4A5D-4C1E-9B8A-2D3E7F9A0C41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Zhizao Academy
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no administrator needed); an administrator can choose
; "for all users" in the dialog or with /ALLUSERS.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=ZhizaoAcademy-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\zhizao.exe
UninstallDisplayName={#AppName} {#AppVersion}
; The optional ZHIZAO_DB_URL below is an environment variable: tell running programs.
ChangesEnvironment=yes

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; If your Inno Setup has Languages\ChineseSimplified.isl (else get it from the Inno Setup
; translations page into that folder), add Chinese wizard texts:
; Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "dist\zhizao\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade must not keep modules or courses that the new version no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}\{#AppNameZh} {#AppName}"; Filename: "{app}\zhizao.exe"; WorkingDir: "{app}"
; The self-test runs offscreen in a throw-away data folder and prints what it checked.
Name: "{autoprograms}\{#AppName}\{#AppName} self-test"; Filename: "{cmd}"; \
  Parameters: "/k ""{app}\zhizao-cli.exe"" --self-test"; WorkingDir: "{app}"
; A console in the program folder for the zhizao-cli commands (db backup, certificate verify, ...).
Name: "{autoprograms}\{#AppName}\{#AppName} command line"; Filename: "{cmd}"; \
  Parameters: "/k zhizao-cli.exe --help"; WorkingDir: "{app}"
Name: "{autoprograms}\{#AppName}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppNameZh} {#AppName}"; Filename: "{app}\zhizao.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Registry]
; /DBURL=... sets ZHIZAO_DB_URL (the center PostgreSQL server) for this user, or for all users
; when installed for all users. Removed again on uninstall.
Root: HKCU; Subkey: "Environment"; ValueType: string; ValueName: "ZHIZAO_DB_URL"; \
  ValueData: "{param:DBURL|}"; Flags: uninsdeletevalue; Check: HasDbUrl and not IsAdminInstallMode
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: string; \
  ValueName: "ZHIZAO_DB_URL"; ValueData: "{param:DBURL|}"; Flags: uninsdeletevalue; \
  Check: HasDbUrl and IsAdminInstallMode

[Run]
Filename: "{app}\zhizao.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function HasDbUrl: Boolean;
begin
  Result := ExpandConstant('{param:DBURL|}') <> '';
end;
