import { MemoryStore } from '@gatehouse/server';
import { storeConformance } from './conformance.js';

storeConformance('memory', () => new MemoryStore());
