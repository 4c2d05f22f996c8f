// The dev IdP in its own process, so the load it serves never shares a measured event loop.
import { startDevIdp, type DevIdpOptions } from '@gatehouse/dev-idp';
import { fail, serveUntilStopped, specOf } from './lib/child.js';

const spec = specOf<{ keysFile: string; clients: DevIdpOptions['clients'] }>();
startDevIdp({ port: 0, keysFile: spec.keysFile, quiet: true, clients: spec.clients })
  .then((idp) => serveUntilStopped({ issuer: idp.issuer, url: idp.url }, () => idp.close()))
  .catch(fail);
