/** The value of cookie `name` in a `Cookie` header, without parsing the others. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let start = 0;
  while (start < header.length) {
    while (header.charCodeAt(start) === 32) start++;
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    if (header.startsWith(name, start) && header.charCodeAt(start + name.length) === 61 /* = */) {
      return header.slice(start + name.length + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}

/** Attributes of a cookie Gatehouse sets. */
export interface CookieOptions {
  maxAge: number;
  secure: boolean;
}

/** HttpOnly, SameSite=Lax, Path=/: the only shape of cookie Gatehouse sets. */
export function serializeCookie(
  name: string,
  value: string,
  { maxAge, secure }: CookieOptions,
): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAge))}${secure ? '; Secure' : ''}`;
}
