import { useEffect, useState } from 'react';

const pad = (n: number) => String(n).padStart(2, '0');

/** `mm:ss` under an hour, `h h mm m` above. */
export function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
  return `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
}

function useNow(intervalMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function SessionCountdown({ expiresAt }: { expiresAt: number | null }) {
  const now = useNow(1000);
  const remaining = expiresAt === null ? null : expiresAt - now / 1000;
  return (
    <p className="countdown">
      <span
        data-testid="session-remaining"
        className={remaining !== null && remaining < 60 ? 'soon' : ''}
      >
        {remaining === null ? 'unknown' : formatRemaining(remaining)}
      </span>
    </p>
  );
}
