import { startExpress5 } from './starters.js';
import { conformance } from './suite.js';

conformance('Express 5', startExpress5);
