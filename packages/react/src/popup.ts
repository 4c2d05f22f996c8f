/** How a popup sign-in ended. `closed` means the window closed without a message. */
export type PopupResult =
  | { type: 'signed-in' }
  | { type: 'error'; error: string; description: string }
  | { type: 'closed' };

const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 300) : '');

/**
 * Opens the backend's login page in a popup and reports once through `done`. Returns a function
 * that stops listening, or `null` when the browser blocked the popup.
 */
export function openPopup(
  url: string,
  backendOrigin: string,
  done: (result: PopupResult) => void,
): (() => void) | null {
  const w = 500;
  const h = 650;
  const left = Math.max(0, window.screenX + (window.outerWidth - w) / 2);
  const top = Math.max(0, window.screenY + (window.outerHeight - h) / 2);
  const popup = window.open(
    url,
    'gatehouse-sign-in',
    `popup,width=${w},height=${h},left=${left},top=${top}`,
  );
  if (!popup) return null;

  // Only the backend's callback page, in the popup we opened, may end the sign-in: any other
  // window (a frame, another tab, a foreign origin) could post a forged message.
  const onMessage = (e: MessageEvent) => {
    if (e.origin !== backendOrigin || e.source !== popup) return;
    const data = e.data as { type?: unknown; error?: unknown; error_description?: unknown };
    if (data?.type === 'gatehouse:signed-in') finish({ type: 'signed-in' });
    else if (data?.type === 'gatehouse:error')
      finish({
        type: 'error',
        error: text(data.error) || 'access_denied',
        description: text(data.error_description),
      });
  };
  // A closed popup sends no message: poll, or the caller would wait forever. The callback page
  // posts and closes at once, and `closed` can turn true just before its message is delivered:
  // give the message a moment before reporting `closed`.
  let grace: ReturnType<typeof setTimeout> | undefined;
  const timer = setInterval(() => {
    if (popup.closed && !grace) grace = setTimeout(() => finish({ type: 'closed' }), 150);
  }, 500);
  const stop = () => {
    clearInterval(timer);
    clearTimeout(grace);
    window.removeEventListener('message', onMessage);
  };
  const finish = (result: PopupResult) => {
    stop();
    if (result.type !== 'closed') popup.close();
    done(result);
  };
  window.addEventListener('message', onMessage);
  popup.focus();
  return stop;
}
