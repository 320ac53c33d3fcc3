/**
 * @natter/client/browser: what only browsers have. One live stream per origin shared by all tabs (Web Locks
 * elect the tab that holds it, BroadcastChannel fans its events out), the tabs' visibility reports, the
 * sign-in/sign-out signal between tabs, and uploads with progress (XMLHttpRequest). A separate entry so that
 * the main one stays loadable in Node; nothing here touches a browser API before it is called.
 */
export { ABORTED, uploadWithProgress, type UploadHandle } from './upload-progress.ts';
export { announceSessionChange, onSessionChangeElsewhere } from './session-channel.ts';
export {
  startSharedStream, type ConnStatus, type SharedStream, type SharedStreamHandlers, type SharedStreamOptions, type StreamEvent,
  type StreamRole, type StreamTabMessage,
} from './shared-stream.ts';
export { trackVisibility, type VisibilityMessage, type VisibilityTracker } from './tab-visibility.ts';
