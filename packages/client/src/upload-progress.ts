/**
 * A file upload (`POST /api/v1/uploads`, multipart with one part named `file`) that reports progress, for
 * browsers: XMLHttpRequest rather than fetch, because only it reports upload progress. Same headers and errors
 * as `NatterClient.request` (the CSRF header or the token; `ApiError`, status 0 without an answer).
 */
import { ApiError, errorFromBody, networkError, type NatterClient } from './http.ts';
import type { Upload } from './types.ts';

/** A running upload: resolves with the stored upload, rejects with an ApiError; `abort()` cancels it. */
export interface UploadHandle {
  done: Promise<Upload>;
  abort(): void;
}

/** The code an aborted upload rejects with: cancelled by the person, not an error to show. */
export const ABORTED = 'aborted';

/** Uploads `file` as `name`; `onProgress(loaded, total)` follows the bytes sent. */
export function uploadWithProgress(client: NatterClient, file: Blob, name: string, onProgress: (loaded: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Upload>((resolve, reject) => {
    xhr.open('POST', `${client.baseUrl}/api/v1/uploads`);
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(client.authHeaders())) xhr.setRequestHeader(k, v);
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
      if (xhr.status === 401) client.onUnauthenticated?.();
      reject(errorFromBody(xhr.status, body, xhr.getResponseHeader('retry-after')));
    };
    xhr.onerror = () => reject(networkError(null));
    xhr.onabort = () => reject(new ApiError(0, ABORTED, 'Upload cancelled.'));
    const form = new FormData();
    form.append('file', file, name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
