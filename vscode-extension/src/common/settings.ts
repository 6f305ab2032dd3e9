import { ConfigurationChangeEvent, Uri, workspace, WorkspaceFolder } from 'vscode';
import { SERVER_ID } from './constants';
import { readSettings, ReadResult } from './serverSettings';

/** Settings for a file or folder (resource-scoped settings differ per workspace folder). */
export function getExtensionSettings(scope: Uri | WorkspaceFolder | undefined): ReadResult {
    const config = workspace.getConfiguration(SERVER_ID, scope);
    return readSettings((key) => config.get(key));
}

/** The folder whose settings choose the server process: one server serves the whole window. */
export function primaryWorkspaceFolder(): WorkspaceFolder | undefined {
    return workspace.workspaceFolders?.[0];
}

export function checkIfConfigurationChanged(e: ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(SERVER_ID);
}
