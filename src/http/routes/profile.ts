/**
 * Your own account (API v1.1 §4 "Email", §5): `GET /users/me`, `PATCH /users/me` and the email verification.
 * PATCH changes the profile (display name, avatar: core/admin.ts) and the email fields (core/email.ts).
 * Registered in the authenticated scope, so v1's CSRF rule applies to the changes.
 */
import { Type } from 'typebox';
import { checkEmail, EMAIL_MAX } from '../../core/email.ts';
import type { RouteDeps } from '../app.ts';
import { errors } from '../schemas.ts';
import { OwnUserReply, UserReply } from '../replies.ts';


const PatchMeBody = Type.Object(
  {
    email: Type.Optional(Type.Union([Type.String({ maxLength: EMAIL_MAX + 64 }), Type.Null()], {
      description: `An address like name@example.com (at most ${EMAIL_MAX} characters, surrounding spaces removed; else 400 invalid_request), `
        + 'or null to remove it. A new address is unverified and, when the server sends email, gets a mail with a token; '
        + 'the address you verified already, sent again, changes nothing.',
    })),
    email_notifications: Type.Optional(Type.Boolean({ description: 'Whether unread DMs and mentions are mailed to your verified address.' })),
    display_name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()], { description: '1-64 code points, or null' })),
    avatar: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
      description: 'An upload id of yours, unattached, PNG/JPEG/GIF/WebP (else 400 invalid_avatar); its thumbnail becomes avatar_url. '
        + 'A replaced avatar is 404 at once. Not for guests, nor when uploads are off.',
    })),
  },
  { additionalProperties: false },
);

const VerifyBody = Type.Object({ token: Type.String({ maxLength: 256, description: 'the token of the verification mail' }) }, { additionalProperties: false });

export async function profileRoutes({ app, services, actionLimit }: RouteDeps): Promise<void> {
  const { email } = services;
  const tags = ['users'];

  app.get('/api/v1/users/me', {
    schema: { tags, description: 'Your own user, with its private fields (email, email_verified, email_notifications).', response: { 200: OwnUserReply, ...errors() } },
  }, async (req) => ({ user: await email.own(req.user) }));

  app.patch('/api/v1/users/me', {
    schema: {
      tags, body: PatchMeBody, response: { 200: OwnUserReply, ...errors(429) },
      description: 'Change your display name, avatar (v1.1 §5), email address and/or email notifications (v1.1 §4); absent fields stay as they are; '
        + 'a profile change emits user_updated. '
        + 'Unread DMs and mentions (reason user or reply) are mailed, at most one email per NATTER_EMAIL_DELAY_MS, '
        + 'only to a verified address and only while email_notifications is true.',
    },
    preHandler: actionLimit,
  }, async (req) => {
    const { display_name, avatar, ...emailPatch } = req.body;
    // Checked before anything changes: a bad address must not leave the profile half-saved.
    if (typeof emailPatch.email === 'string') checkEmail(emailPatch.email);
    const user = await services.admin.updateProfile(req.user, { display_name, avatar });
    return { user: await email.update(user, emailPatch) };
  });

  app.get('/api/v1/users/:username', {
    schema: {
      tags, description: 'A user\'s public fields (deactivated users too); 404 not_found.',
      params: Type.Object({ username: Type.String({ maxLength: 64 }) }), response: { 200: UserReply, ...errors(404) },
    },
  }, async (req) => ({ user: await services.admin.user(req.params.username) }));

  app.post('/api/v1/users/me/email/verify', {
    schema: {
      tags, body: VerifyBody, response: { 200: OwnUserReply, ...errors(429) },
      description: 'Verify your current address with the token mailed when you set it: 400 invalid_token when it is wrong, '
        + 'not the latest one sent for your current address, or over 24 h old.',
    },
    preHandler: actionLimit,
  }, async (req) => ({ user: await email.verify(req.user, req.body.token) }));
}
