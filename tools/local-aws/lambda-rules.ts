/**
 * Lambda's documented rules shared by both Lambda stand-ins (delivery-apis.ts and the account
 * scenario's): each cited here once.
 */

/**
 * Reserved concurrency is also the function's maximum: an invocation beyond the executions in
 * flight gets 429 TooManyRequestsException (Reason ReservedFunctionConcurrentInvocationLimitExceeded).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
 */
export function throttles(reservedConcurrency: number | undefined, inFlight: number): boolean {
  return reservedConcurrency !== undefined && inFlight >= reservedConcurrency;
}

/** What a throttled Invoke answers: status, X-Amzn-ErrorType and body. */
export const THROTTLED = {
  statusCode: 429,
  errorType: 'TooManyRequestsException',
  payload: {
    Type: 'User',
    message: 'Rate Exceeded.',
    Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
  },
} as const;
