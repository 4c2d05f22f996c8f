import { markSignedOut } from './flags.js';

/** What one tab tells the others; they answer by asking `GET /me` again. */
export type TabMessage = 'signed-in' | 'signed-out';

/** A link to the app's other tabs, or a no-op where `BroadcastChannel` is missing (SSR, old browsers). */
export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

/**
 * Opens the `gatehouse` BroadcastChannel, calling `onMessage` for each well-formed message.
 * A sign-out posted or heard also sets the browser-wide signed-out flag, and a sign-in posted
 * (this tab's own, interactive) clears it: tabs opened later learn of it from storage.
 */
export function openChannel(onMessage: (message: TabMessage) => void): TabChannel {
  const channel =
    typeof BroadcastChannel === 'function' ? new BroadcastChannel('gatehouse') : undefined;
  if (channel) {
    channel.onmessage = (e: MessageEvent) => {
      const type = (e.data as { type?: unknown } | null)?.type;
      if (type === 'signed-out') markSignedOut(true);
      if (type === 'signed-in' || type === 'signed-out') onMessage(type);
    };
  }
  return {
    post: (type) => {
      markSignedOut(type === 'signed-out');
      channel?.postMessage({ type });
    },
    close: () => channel?.close(),
  };
}
