/**
 * "Profile" in Settings (API v1.1 §5): your display name with Save, and your avatar: choose an image (previewed
 * before anything is sent), Save avatar uploads it with a progress bar and sets it, Remove avatar clears it.
 * Every change goes out as `user_updated`, which the page applies like anyone else's (events.ts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { OwnUser, User } from '../../../src/core/types.ts';
import { client, errorText } from '../api.ts';
import { serverInfo } from '../server-info.ts';
import { getState, update } from '../state.ts';
import { uploadErrorText, uploadFile } from '../upload-text.ts';
import { noteUser } from '../users.ts';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

function patchMe(patch: { display_name?: string | null; avatar?: string | null }): Promise<{ user: OwnUser }> {
  return client.users.update(patch).then((r) => {
    noteUser(r.user);
    update((s) => (s.me ? { me: { ...s.me, ...r.user } } : {}));
    return r;
  });
}

function avatarError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'invalid_avatar') return 'That image cannot be used as an avatar. Choose a PNG, JPEG, GIF or WebP image.';
  return errorText(e);
}

export function ProfileSettings() {
  const me = getState().me as User;
  const [name, setName] = useState(me.display_name ?? '');
  const [nameMsg, setNameMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [avatarUrl, setAvatarUrl] = useState(me.avatar_url);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [avatarMsg, setAvatarMsg] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  const saveName = async (e: Event) => {
    e.preventDefault();
    setNameMsg(null);
    try {
      const { user } = await patchMe({ display_name: name.trim() || null });
      setName(user.display_name ?? '');
      setNameMsg({ ok: true, text: user.display_name ? 'Display name saved.' : 'Display name removed.' });
    } catch (x) {
      setNameMsg({ ok: false, text: errorText(x) });
    }
  };

  const choose = (f: File | undefined) => {
    setAvatarMsg(null);
    if (!f) return;
    if (!IMAGE_TYPES.includes(f.type)) {
      setFile(null);
      setPreview(null);
      setAvatarMsg({ ok: false, text: 'Choose a PNG, JPEG, GIF or WebP image.' });
      return;
    }
    setFile(f);
    setPreview(URL.createObjectURL(f));
  };

  const saveAvatar = async () => {
    if (!file || progress) return;
    setAvatarMsg(null);
    setProgress({ loaded: 0, total: file.size });
    try {
      const upload = await uploadFile(file, (loaded, total) => setProgress({ loaded, total })).done.catch((x: unknown) => {
        throw new Error(uploadErrorText(x, serverInfo()?.max_upload));
      });
      const { user } = await patchMe({ avatar: upload.id });
      setAvatarUrl(user.avatar_url);
      setFile(null);
      setPreview(null);
      setAvatarMsg({ ok: true, text: 'Avatar saved.' });
    } catch (x) {
      setAvatarMsg({ ok: false, text: x instanceof Error && !('status' in x) ? x.message : avatarError(x) });
    } finally {
      setProgress(null);
    }
  };

  const removeAvatar = async () => {
    setAvatarMsg(null);
    try {
      await patchMe({ avatar: null });
      setAvatarUrl(null);
      setAvatarMsg({ ok: true, text: 'Avatar removed.' });
    } catch (x) {
      setAvatarMsg({ ok: false, text: avatarError(x) });
    }
  };

  const shown = preview ?? avatarUrl;
  return (
    <section class="settings-section" aria-labelledby="profile-heading" data-testid="profile-settings">
      <h3 id="profile-heading">Profile</h3>
      <form class="profile-name" onSubmit={saveName} noValidate>
        <label class="field-label" for="display-name">Display name</label>
        <div class="inline-field">
          <input id="display-name" value={name} maxLength={64} onInput={(e) => setName(e.currentTarget.value)} aria-invalid={nameMsg?.ok === false} aria-describedby="display-name-msg" />
          <button type="submit" class="btn btn-small">Save name</button>
        </div>
        <p id="display-name-msg" class={nameMsg?.ok === false ? 'field-error' : 'field-hint'} role={nameMsg ? 'status' : undefined}>
          {nameMsg?.text ?? `Shown beside your username (@${me.username}). Leave empty to show only the username.`}
        </p>
      </form>
      <div class="profile-avatar">
        <span class="field-label" id="avatar-label">Avatar</span>
        <div class="avatar-row">
          {shown ? (
            <img class="avatar-preview" src={shown} alt={preview ? 'Preview of the chosen avatar' : 'Your avatar'} data-testid="avatar-preview" />
          ) : (
            <span class="avatar-preview avatar-none muted small">No avatar</span>
          )}
          <div class="avatar-actions">
            <button type="button" class="btn btn-small btn-quiet" disabled={!!progress} onClick={() => picker.current?.click()}>
              Choose image…
            </button>
            <input ref={picker} type="file" hidden accept={IMAGE_TYPES.join(',')} data-testid="avatar-file" onChange={(e) => { choose(e.currentTarget.files?.[0]); e.currentTarget.value = ''; }} />
            {file && (
              <button type="button" class="btn btn-small btn-primary" disabled={!!progress} onClick={() => void saveAvatar()}>
                Save avatar
              </button>
            )}
            {file && !progress && (
              <button type="button" class="btn btn-small btn-quiet" onClick={() => { setFile(null); setPreview(null); }}>
                Cancel
              </button>
            )}
            {!file && avatarUrl && (
              <button type="button" class="btn btn-small btn-quiet" onClick={() => void removeAvatar()}>
                Remove avatar
              </button>
            )}
          </div>
        </div>
        {progress && <progress class="chip-progress" max={progress.total || 1} value={progress.loaded} aria-label="Uploading avatar" data-testid="avatar-progress" />}
        {avatarMsg && (
          <p class={avatarMsg.ok ? 'field-hint' : 'field-error'} role={avatarMsg.ok ? 'status' : 'alert'} data-testid="avatar-message">
            {avatarMsg.text}
          </p>
        )}
      </div>
    </section>
  );
}
