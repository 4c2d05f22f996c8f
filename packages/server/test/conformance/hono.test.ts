import { startHono } from './starters.js';
import { conformance } from './suite.js';

conformance('Hono on @hono/node-server', startHono);
