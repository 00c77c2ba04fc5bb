import { isPostgresReachable, postgresRequired } from '@ratchet/event-store/testing';
import { requireMosquitto } from '@ratchet/mqtt/testing';

/**
 * Whether a test that needs PostgreSQL and Mosquitto runs here: it skips on a developer machine
 * without them, and under CI=true their absence throws instead (a failure, not a skip).
 */
export const postgresAndMosquitto = async (): Promise<boolean> =>
  (postgresRequired() || (await isPostgresReachable())) && (await requireMosquitto());
