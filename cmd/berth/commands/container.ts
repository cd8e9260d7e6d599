/** The container lifecycle commands, for commands/index.ts. */
import type { CommandDef } from '../registry';
import { CONTROL_COMMANDS } from './container-control';
import { EXEC_COMMANDS } from './container-exec';
import { FILES_COMMANDS } from './container-files';
import { INFO_COMMANDS } from './container-info';
import { LIFECYCLE_COMMANDS } from './container-lifecycle';
import { PORT_COMMANDS } from './container-port';
import { PS_COMMANDS } from './container-ps';
import { RUN_COMMANDS } from './container-run';
import { STATS_COMMANDS } from './container-stats';

/** Every container command. */
export const CONTAINER_COMMANDS: readonly CommandDef[] = [
  ...RUN_COMMANDS, ...LIFECYCLE_COMMANDS, ...PS_COMMANDS, ...CONTROL_COMMANDS, ...EXEC_COMMANDS, ...INFO_COMMANDS, ...PORT_COMMANDS, ...FILES_COMMANDS,
  ...STATS_COMMANDS,
];
