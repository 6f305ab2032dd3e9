import { ConfigurationChangeEvent, Uri, workspace, WorkspaceFolder } from 'vscode';
import { SERVER_ID } from './constants';
import { settingScope, SettingScope } from './launch';
import { readSettings, ReadResult } from './serverSettings';

/** Settings for a file or folder (resource-scoped settings differ per workspace folder). */
export function getExtensionSettings(scope: Uri | WorkspaceFolder | undefined): ReadResult {
    const config = workspace.getConfiguration(SERVER_ID, scope);
    return readSettings((key) => config.get(key));
}

/** Which settings file (user, workspace, folder) gives `django-migration-lsp.interpreter` its value. */
export function getInterpreterScope(scope: Uri | WorkspaceFolder | undefined): SettingScope | undefined {
    const inspected = workspace.getConfiguration(SERVER_ID, scope).inspect<string[]>('interpreter');
    return inspected ? settingScope(inspected) : undefined;
}

/** The folder whose settings choose the server process: one server serves the whole window. */
export function primaryWorkspaceFolder(): WorkspaceFolder | undefined {
    return workspace.workspaceFolders?.[0];
}

export function checkIfConfigurationChanged(e: ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(SERVER_ID);
}
