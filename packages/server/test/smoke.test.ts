import { expect, test } from 'vitest';
import { placeholder } from '@gatehouse/server';
test('resolves source', () => expect(placeholder).toBe(1));
