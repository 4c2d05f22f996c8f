import { useAuthFetch } from '@gatehouse/react';
import { useEffect, useState } from 'react';

interface Device {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  current: boolean;
}

/** A readable device name from a user agent: browser and platform, or the raw string. */
function deviceName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /(Edg|Firefox|Chrome|Safari)\/[\d.]+/
    .exec(userAgent)?.[1]
    ?.replace('Edg', 'Edge');
  const platform = /(Windows|Mac OS X|Android|iPhone|iPad|Linux)/
    .exec(userAgent)?.[1]
    ?.replace('Mac OS X', 'macOS');
  return browser && platform ? `${browser} on ${platform}` : userAgent.slice(0, 60);
}

const time = (seconds: number) => new Date(seconds * 1000).toLocaleString();

/** "Your devices": every session of this user, and a way to sign one out. */
export function Devices() {
  const authFetch = useAuthFetch();
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [failed, setFailed] = useState(false);

  // Bumped after a sign-out to list the devices again.
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let active = true;
    authFetch<{ sessions: Device[] }>('/sessions').then(
      ({ sessions }) => {
        if (!active) return;
        setDevices(sessions);
        setFailed(false);
      },
      () => active && setFailed(true),
    );
    return () => {
      active = false;
    };
  }, [authFetch, version]);

  async function signOutDevice(id: string) {
    try {
      await authFetch(`/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
    } finally {
      setVersion((v) => v + 1);
    }
  }

  return (
    <section className="card span-2" aria-labelledby="devices-title">
      <h2 id="devices-title" className="card-title">
        Your devices
      </h2>
      {failed && <p className="muted">Your devices could not be loaded.</p>}
      {devices && (
        <ul className="devices" data-testid="devices">
          {devices.map((device) => (
            <li key={device.id} className="device">
              <div>
                <p className="device-name">
                  {deviceName(device.userAgent)}
                  {device.current && <span className="chip">This device</span>}
                </p>
                <p className="muted">
                  Signed in {time(device.createdAt)} · last active {time(device.lastSeenAt)}
                </p>
              </div>
              {!device.current && (
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => void signOutDevice(device.id)}
                >
                  Sign out this device
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
