import { RateLimiter } from 'limiter';
import { INVOKE_ROUTE } from '../../lambdas/handlers/api/routes';

/**
 * Requests/s that live traffic of one caller sends to `POST /targets/{t}/invoke`: 80 % of the
 * route's per-caller throttle, so the local API server never answers 429 to the demo, the bench or
 * the tests (its bucket holds a burst of 2.5 s of this pace on top).
 */
export const INVOKE_PACE_PER_SECOND = Math.floor(INVOKE_ROUTE.callerThrottle.rateLimit * 0.8);

/** A rate limiter (npm `limiter`) to share between the loops of one caller's traffic: `await pacer.removeTokens(1)` before each request. */
export function invokePacer(): RateLimiter {
  return new RateLimiter({ tokensPerInterval: INVOKE_PACE_PER_SECOND, interval: 'second' });
}
