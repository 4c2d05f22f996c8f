import { startHono } from './starters.js';
import { conformance } from './suite.js';

conformance('Hono on @hono/node-server', startHono);
conformance('Hono on @hono/node-server', startHono, { providers: 2, frontends: 2 });
