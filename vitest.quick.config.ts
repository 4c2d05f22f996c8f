import { gatehouseConfig } from './vitest.config.js';

// `npm run test:quick`: the unit and in-process tests, under a minute (see vitest.config.ts).
export default gatehouseConfig({ quick: true });
