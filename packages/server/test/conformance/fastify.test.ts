import { startFastify } from './fastify.js';
import { conformance } from './suite.js';

conformance('Fastify', startFastify);
