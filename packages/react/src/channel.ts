/** What one tab tells the others; they answer by asking `GET /me` again. */
export type TabMessage = 'signed-in' | 'signed-out';

/** A link to the app's other tabs, or a no-op where `BroadcastChannel` is missing (SSR, old browsers). */
export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

/** Opens the `gatehouse` BroadcastChannel, calling `onMessage` for each well-formed message. */
export function openChannel(onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel !== 'function') return { post() {}, close() {} };
  const channel = new BroadcastChannel('gatehouse');
  channel.onmessage = (e: MessageEvent) => {
    const type = (e.data as { type?: unknown } | null)?.type;
    if (type === 'signed-in' || type === 'signed-out') onMessage(type);
  };
  return {
    post: (type) => channel.postMessage({ type }),
    close: () => channel.close(),
  };
}
