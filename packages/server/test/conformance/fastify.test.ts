import { startFastify } from './starters.js';
import { conformance } from './suite.js';

conformance('Fastify', startFastify);
conformance('Fastify', startFastify, { providers: 2, frontends: 2 });
