/** Uploads from the page (the library's XHR upload, for progress) and their errors in plain words. */
import { ABORTED, uploadWithProgress, type UploadHandle } from '@natter/client/browser';
import { ApiError, client, errorText } from './api.ts';
import { humanSize } from './format.ts';

export { ABORTED, type UploadHandle };

/** Uploads `file`; `onProgress(loaded, total)` follows the bytes sent. */
export function uploadFile(file: File, onProgress: (loaded: number, total: number) => void): UploadHandle {
  return uploadWithProgress(client, file, file.name, onProgress);
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
