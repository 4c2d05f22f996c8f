/**
 * The examples are what is tested: each starter boots `examples/<x>/server.ts` as is.
 */
import express4 from 'express4';
import type express from 'express';
import { start as startExpressExample } from '../../../../examples/express/server.js';
import { start as startFastifyExample } from '../../../../examples/fastify/server.js';
import { start as startHonoExample } from '../../../../examples/hono/server.js';
import { start as startNodeExample } from '../../../../examples/node-http/server.js';
import type { Start } from './suite.js';

export const startNodeHttp: Start = ({ port, options }) => startNodeExample(options, { port });

export const startFastify: Start = ({ port, options }) => startFastifyExample(options, { port });

export const startHono: Start = ({ port, options }) => startHonoExample(options, { port });

export const startExpress5: Start = ({ port, options }) => startExpressExample(options, { port });

// The same example and adapter on Express 4 (`express4` is `npm:express@^4`). Its types are
// Express 4's; the example is typed against Express 5's, which the adapter works with alike.
export const startExpress4: Start = ({ port, options }) =>
  startExpressExample(options, { port, express: express4 as unknown as typeof express });
