import { startNodeHttp } from './starters.js';
import { conformance } from './suite.js';

conformance('node:http', startNodeHttp);
conformance('node:http', startNodeHttp, { providers: 2, frontends: 2 });
