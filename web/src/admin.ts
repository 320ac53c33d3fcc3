/** Administration helpers for the page (the calls themselves are `client.admin` of @natter/client). */
export type { Invite } from '@natter/client';

/** The link that opens the sign-in screen with the code filled in. */
export function inviteLink(code: string): string {
  return `${location.origin}/?invite=${encodeURIComponent(code)}`;
}
