import { ApiCard } from './ApiCard.js';

/**
 * The orders API, a separate service with its own audience (`api://orders`), called through the
 * backend: the browser sends its cookie and `X-CSRF: 1` to `/api/orders/whoami`, the backend
 * forwards it with a token for that API. The token itself never reaches this page.
 */
export function OrdersCard() {
  return (
    <ApiCard
      id="orders-title"
      title="Orders API"
      description={
        <>
          <code>GET /api/orders/whoami</code>, forwarded by the backend with a token for{' '}
          <code>api://orders</code>.
        </>
      }
      path="/api/orders/whoami"
      action="Call the orders API"
      pending="Calling…"
      empty="Not called yet."
      testId="orders-data"
      answerLabel="Orders API answer"
    />
  );
}
