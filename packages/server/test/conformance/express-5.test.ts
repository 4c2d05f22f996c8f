import { startExpress5 } from './starters.js';
import { conformance } from './suite.js';

conformance('Express 5', startExpress5);
conformance('Express 5', startExpress5, { providers: 2, frontends: 2 });
