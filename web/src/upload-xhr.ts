/**
 * One file upload (`POST /api/v1/uploads`, multipart with one part named `file`). XMLHttpRequest rather than
 * fetch because only it reports upload progress; it sends the same CSRF header as every other change (api.ts).
 */
import type { ErrorBody, Upload } from '../../src/core/types.ts';
import { ApiError, errorText } from './api.ts';
import { humanSize } from './format.ts';

/** A running upload: resolves with the stored upload, rejects with an ApiError; `abort()` cancels it. */
export interface UploadHandle {
  done: Promise<Upload>;
  abort(): void;
}

/** The code an aborted upload rejects with: cancelled by the person, not an error to show. */
export const ABORTED = 'aborted';

/** Uploads `file`; `onProgress(loaded, total)` follows the bytes sent. */
export function uploadFile(file: File, onProgress: (loaded: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Upload>((resolve, reject) => {
    xhr.open('POST', '/api/v1/uploads');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-Requested-With', 'natter');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: a proxy's error page */
      }
      if (xhr.status === 201 && body && typeof body === 'object' && 'upload' in body) return resolve((body as { upload: Upload }).upload);
      const err = (body as ErrorBody | null)?.error;
      reject(new ApiError(xhr.status, err?.code ?? 'http_' + xhr.status, err?.message ?? `Upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.'));
    xhr.onabort = () => reject(new ApiError(0, ABORTED, 'Upload cancelled.'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/** The server's size limit in words ("10 MB"), or null when there is none (0) or it is not known yet. */
export function limitText(maxUpload: number | undefined): string | null {
  return maxUpload ? humanSize(maxUpload) : null;
}

/** A failed upload in plain words; `maxUpload` (bytes) names the limit a too-large file went over. */
export function uploadErrorText(e: unknown, maxUpload: number | undefined): string {
  if (!(e instanceof ApiError)) return errorText(e);
  const limit = limitText(maxUpload);
  switch (e.code) {
    case 'payload_too_large':
      return limit ? `That file is larger than the server's limit of ${limit}.` : 'That file is larger than the server accepts.';
    case 'uploads_disabled':
      return 'Uploads are turned off on this server.';
    case 'forbidden':
      return 'Guests cannot upload files. Create an account to share files.';
    case 'rate_limited':
      return 'Too many uploads in a short time. Please wait a minute and try again.';
    case 'network':
      return 'The upload did not reach the server. Check your connection and try again.';
    case 'unsupported_media_type':
      return 'The server did not accept the upload. Please try again.';
    default:
      return errorText(e);
  }
}
