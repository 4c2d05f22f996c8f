// The dev IdP in its own process, so the load it serves never shares a measured event loop.
// `users` come from the parent (defaultUsers() reads users.json next to the package's source).
import { startDevIdp, type DevIdpOptions } from '@gatehouse/dev-idp';
import { fail, serveUntilStopped, specOf } from './lib/child.js';

const spec = specOf<Pick<DevIdpOptions, 'clients' | 'users'> & { keysFile: string }>();
startDevIdp({
  port: 0,
  keysFile: spec.keysFile,
  quiet: true,
  clients: spec.clients,
  users: spec.users,
})
  .then((idp) => serveUntilStopped({ issuer: idp.issuer, url: idp.url }, () => idp.close()))
  .catch(fail);
