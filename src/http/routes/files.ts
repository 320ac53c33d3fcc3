/**
 * v1.1 §3: uploads and files (registered in the authenticated scope). POST /uploads streams one multipart
 * file part into the FileStore under the size limit; GET/HEAD /files/:id serve it with the contract's
 * headers, an ETag and single byte ranges, after the access check of core/files.ts on every request.
 */
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ChatError, invalid } from '../../core/errors.ts';
import type { Upload } from '../../core/types.ts';
import { contentDisposition } from '../../core/upload-names.ts';
import type { App, RouteDeps } from '../app.ts';
import { parseRange } from '../range.ts';
import { errors, FileParams, UploadReply } from '../schemas.ts';

/** A body this much larger than the file limit is refused from its Content-Length alone (multipart framing). */
const FRAMING_SLACK = 64 * 1024;

export async function fileRoutes({ app, services, uploadLimit }: RouteDeps): Promise<void> {
  const { files, config } = services;
  const max = config.maxUpload;

  // The multipart parser only in a scope of its own, so that no other route accepts multipart bodies.
  await app.register(async (scope: App) => {
    await scope.register(multipart, { limits: { fileSize: max > 0 ? max + 1 : Infinity, files: 2, fields: 50, parts: 100 } });

    scope.post('/api/v1/uploads', {
      schema: {
        tags: ['files'],
        consumes: ['multipart/form-data'],
        description: 'One file part named `file` (its filename is kept), at most NATTER_MAX_UPLOAD bytes (413 payload_too_large, '
          + 'nothing kept; a Content-Length above the limit + 64 KiB is refused before reading). The type is sniffed from the bytes; '
          + 'png/jpeg/gif/webp get width, height and a WebP thumbnail within 1200×800. Guests 403 forbidden; 403 uploads_disabled '
          + 'when NATTER_UPLOADS=0; 415 unsupported_media_type if not multipart; 400 invalid_request with no `file` part or more than one file. '
          + 'An unattached upload expires after NATTER_UPLOAD_TTL_MS.',
        response: { 201: UploadReply, ...errors(403, 413, 415, 429) },
      },
      onRequest: async (req, reply) => {
        files.checkUploader(req.user);
        const length = Number(req.headers['content-length']);
        if (max > 0 && Number.isFinite(length) && length > max + FRAMING_SLACK) throw closing(reply, files.tooLarge());
      },
      preHandler: uploadLimit,
    }, async (req, reply) => {
      if (!req.isMultipart()) throw new ChatError('unsupported_media_type', 'send the file as multipart/form-data, in a part named "file"');
      let upload: Upload | null = null;
      try {
        const parts = req.parts()[Symbol.asyncIterator]();
        for (;;) {
          // The parser's own errors (no boundary, a body cut short) are the client's: 400, not 500.
          const next = await parts.next().catch((err: unknown) => Promise.reject(malformed(err)));
          if (next.done) break;
          const part = next.value;
          if (part.type !== 'file') continue;
          if (upload !== null || part.fieldname !== 'file') throw invalid('send exactly one file, in a part named "file"');
          upload = await files.upload(req.user, part.filename, malformedOnError(part.file));
        }
      } catch (err) {
        if (upload !== null) await files.remove(req.user, upload.id).catch(() => {});
        throw closing(reply, err);
      }
      if (upload === null) throw invalid('no file: send one file in a part named "file"');
      return reply.status(201).send({ upload });
    });
  });

  app.delete('/api/v1/uploads/:id', {
    schema: { tags: ['files'], description: 'Your own unattached upload; 409 conflict once attached (delete the message instead).', params: FileParams, response: { 204: Type.Null(), ...errors(404, 409) } },
  }, async (req, reply) => {
    await files.remove(req.user, req.params.id);
    return reply.status(204).send(null);
  });

  for (const thumbnail of [false, true]) {
    app.route({
      method: ['GET', 'HEAD'],
      url: thumbnail ? '/api/v1/files/:id/thumbnail' : '/api/v1/files/:id',
      exposeHeadRoute: false,
      schema: {
        tags: ['files'],
        params: FileParams,
        description: thumbnail
          ? 'The WebP thumbnail; 404 where the upload\'s thumbnail_url is null.'
          : 'The stored bytes with their sniffed type. Unattached: the uploader only; attached: whoever may read the room\'s history; '
            + '404 not_found for everyone else and once the message is deleted. Single byte ranges (206/416), ETag and If-None-Match (304).',
      },
      handler: (req, reply) => serveFile(req, reply, (req.params as { id: string }).id, thumbnail),
    });
  }

  async function serveFile(req: FastifyRequest, reply: FastifyReply, id: string, thumbnail: boolean): Promise<unknown> {
    const file = await files.open(req.user, id, thumbnail);
    const etag = `"${file.key}"`; // a key's bytes never change
    void reply
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "sandbox; default-src 'none'")
      .header('cache-control', 'private')
      .header('content-type', file.contentType)
      .header('content-disposition', contentDisposition(file.contentType, thumbnail ? `${stem(file.upload.name)}.webp` : file.upload.name))
      .header('accept-ranges', 'bytes')
      .header('etag', etag);
    if (matches(req.headers['if-none-match'], etag)) return reply.status(304).send();
    const ifRange = req.headers['if-range'];
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, file.size) : null;
    if (range === 'unsatisfiable') {
      return reply.status(416).header('content-range', `bytes */${file.size}`).type('application/json')
        .send({ error: { code: 'invalid_request', message: `range not satisfiable: the file has ${file.size} bytes` } });
    }
    const length = range ? range.end - range.start + 1 : file.size;
    if (range) void reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
    void reply.header('content-length', String(length));
    if (req.method === 'HEAD' || length === 0) return reply.send();
    const body = await services.store.files.read(file.key, range ?? undefined);
    if (!body) throw new ChatError('not_found', `file ${id} not found`);
    return reply.send(body);
  }
}

/** A multipart parser error as the client's mistake; @fastify/multipart's coded errors keep their mapping (errors.ts). */
function malformed(err: unknown): unknown {
  if (err instanceof ChatError || (err as { code?: string }).code?.startsWith('FST_')) return err;
  return invalid(`malformed multipart body: ${(err as Error).message ?? 'unreadable'}`);
}

/** A file part's bytes, whose stream errors (the body ended inside the part) become 400s. */
async function* malformedOnError(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  try {
    yield* source;
  } catch (err) {
    throw malformed(err);
  }
}

/** An error answered before the body was read to its end: the connection closes after the answer. */
function closing(reply: FastifyReply, err: unknown): unknown {
  void reply.header('connection', 'close');
  return err;
}

/** Whether `If-None-Match` names the ETag (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** A file name without its last extension, for the thumbnail's name. */
function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
