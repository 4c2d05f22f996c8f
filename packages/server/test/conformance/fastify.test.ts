import { startFastify } from './starters.js';
import { conformance } from './suite.js';

conformance('Fastify', startFastify);
