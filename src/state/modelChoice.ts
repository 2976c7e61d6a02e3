// A model choice as the model and judge stores hold it (a hub id + revision, or a picked folder),
// and what it resolves to: the source the worker loads and the identity that goes into run ids.
import type { PickedFolder } from '../core/modelFiles.ts';
import type { ModelSource } from '../../workers/engine/protocol.ts';

/** What identifies a loaded model in run ids (a local folder's revision is its fingerprint). */
export interface ModelIdentity {
  sourceKind: 'hub' | 'files';
  modelId: string;
  revision: string;
}

/** The user's model choice as both stores hold it: a hub id + revision, or a picked folder. */
export interface ModelChoice {
  source: 'hub' | 'folder';
  hubId: string;
  revision: string;
  folder: PickedFolder | null;
}

/**
 * Turns a model choice into what the worker loads and what identifies it in run ids, or says
 * why it cannot be loaded. Shared by the image-text model and the FF judge.
 */
export function resolveModelChoice(
  choice: ModelChoice,
  hubHost: string | null,
): { source: ModelSource; identity: ModelIdentity } | { error: string } {
  if (choice.source === 'folder') {
    if (!choice.folder) return { error: 'No folder picked.' };
    const { name, files, fingerprint } = choice.folder;
    return {
      source: { kind: 'files', name, files },
      identity: { sourceKind: 'files', modelId: name, revision: `local:${fingerprint}` },
    };
  }
  const repoId = choice.hubId.trim();
  if (!/^[\w.-]+\/[\w.-]+$/.test(repoId))
    return { error: `"${repoId}" is not a hub repo id (expected owner/name).` };
  const revision = choice.revision.trim() || 'main';
  return {
    source: { kind: 'hub', repoId, revision, ...(hubHost ? { remoteHost: hubHost } : {}) },
    identity: { sourceKind: 'hub', modelId: repoId, revision },
  };
}
