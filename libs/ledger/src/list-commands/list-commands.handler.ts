import { Inject, Optional } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { STATUSES, isUuid } from '@ratchet/lifecycle';
import { isListCursor, READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { InvalidRequestError } from '../errors.js';
import { toCommandView } from '../get-command/command-view.js';
import { Dispatcher } from '../services/dispatcher.service.js';
import { DEVICE_ID_PATTERN } from '@ratchet/lifecycle';
import { ReadModelsUnavailableError } from '../read-models-unavailable.error.js';
import { issuerProblem } from '../services/instance-metadata.js';
import {
  type CommandList,
  DEFAULT_LIST_LIMIT,
  type ListCommandsCriteria,
  ListCommandsQuery,
  MAX_LIST_LIMIT,
} from './list-commands.query.js';

/** The bus has callers besides HTTP: the criteria are checked here too. */
const problemsWith = ({
  deviceId,
  status,
  issuedBy,
  fleetCommandId,
  limit,
  after,
}: ListCommandsCriteria): string[] => [
  ...(fleetCommandId !== undefined && !isUuid(fleetCommandId)
    ? ['fleetCommandId must be a UUID']
    : []),
  ...(issuedBy !== undefined && issuerProblem(issuedBy) !== null ? [issuerProblem(issuedBy)!] : []),
  ...(deviceId !== undefined && !DEVICE_ID_PATTERN.test(deviceId)
    ? [`deviceId must match ${DEVICE_ID_PATTERN.source}`]
    : []),
  ...(status !== undefined && !(STATUSES as readonly string[]).includes(status)
    ? [`status must be one of ${STATUSES.join(', ')}`]
    : []),
  ...(limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    ? [`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`]
    : []),
  ...(after != null && !isListCursor(after)
    ? ['after must be a "next" cursor from a previous page']
    : []),
];

@QueryHandler(ListCommandsQuery)
export class ListCommandsHandler implements IQueryHandler<ListCommandsQuery, CommandList> {
  constructor(
    private readonly dispatcher: Dispatcher,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  async execute({ criteria }: ListCommandsQuery): Promise<CommandList> {
    if (!this.readModels) throw new ReadModelsUnavailableError('ListCommandsQuery');
    const problems = problemsWith(criteria);
    if (problems.length > 0) throw new InvalidRequestError(problems);
    const page = await this.readModels.listCommands({
      ...(criteria.deviceId !== undefined ? { deviceId: criteria.deviceId } : {}),
      ...(criteria.status !== undefined ? { status: criteria.status } : {}),
      ...(criteria.issuedBy !== undefined ? { issuedBy: criteria.issuedBy } : {}),
      ...(criteria.fleetCommandId !== undefined
        ? { fleetCommandId: criteria.fleetCommandId.toLowerCase() }
        : {}),
      limit: criteria.limit ?? DEFAULT_LIST_LIMIT,
      after: criteria.after ?? null,
    });
    // Why a requested command waits is decided on its device stream, read now (as for one
    // command); only the page's requested commands need it.
    const items = [];
    for (const record of page.items) {
      const waiting =
        record.state.status === 'requested' ? await this.dispatcher.waitingOf(record.state) : null;
      items.push(toCommandView(record.state, record.retriedBy, waiting));
    }
    return { items, next: page.next };
  }
}
