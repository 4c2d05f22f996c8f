import { startNodeHttp } from './starters.js';
import { conformance } from './suite.js';

conformance('node:http', startNodeHttp);
