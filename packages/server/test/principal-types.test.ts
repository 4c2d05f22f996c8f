/** The claims an onSignIn hook keeps are typed through a generic on the principal. */
import { expectTypeOf, test } from 'vitest';
import type { Principal } from '@gatehouse/server';

test('Principal<Kept> types the kept claims, optional for callers that lack them', () => {
  expectTypeOf<Principal<{ tenant: string }>['claims']['tenant']>().toEqualTypeOf<
    string | undefined
  >();
  expectTypeOf<Principal['claims']['tenant']>().toEqualTypeOf<unknown>();
  expectTypeOf<Principal<{ tenant: string }>>().toExtend<Principal>();
});
