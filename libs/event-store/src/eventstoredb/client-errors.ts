/**
 * Recognising the client's errors. By their `type` tag rather than `instanceof`, which fails
 * when two copies of the client package are loaded (Jest's module registry does that).
 */
import { ErrorType, type CurrentRevision } from '@eventstore/db-client';

const errorType = (e: unknown): unknown => (e as { type?: unknown } | null)?.type;

export const isWrongExpectedVersion = (
  e: unknown,
): e is { type: ErrorType.WRONG_EXPECTED_VERSION; actualVersion: CurrentRevision } =>
  errorType(e) === ErrorType.WRONG_EXPECTED_VERSION;

export const isStreamNotFound = (e: unknown): boolean =>
  errorType(e) === ErrorType.STREAM_NOT_FOUND;
