/**
 * Every berth command, registered into one registry. The container lifecycle commands
 * (commands/container*.ts) are added here next to the volume, image and network ones.
 */
import type { CommandRegistry } from '../registry';
import { CONTAINER_COMMANDS } from './container';
import { IMAGE_COMMANDS, IMAGE_GROUP } from './image';
import { IMAGE_ARCHIVE_COMMANDS } from './image-archive';
import { IMAGE_REGISTRY_COMMANDS } from './image-registry';
import { INSTALL_COMMANDS } from './install-cni';
import { NETWORK_COMMANDS, NETWORK_GROUP } from './network';
import { PRUNE_COMMANDS } from './prune';
import { VOLUME_COMMANDS, VOLUME_GROUP } from './volume';

/** Registers the built-in commands and their management groups into `registry`. */
export function registerBuiltins(registry: CommandRegistry): void {
  registry.registerGroup({ name: 'container', description: 'Manage containers' });
  registry.registerGroup(VOLUME_GROUP);
  registry.registerGroup(IMAGE_GROUP);
  registry.registerGroup(NETWORK_GROUP);
  for (const def of [...CONTAINER_COMMANDS, ...VOLUME_COMMANDS, ...IMAGE_COMMANDS, ...IMAGE_ARCHIVE_COMMANDS, ...IMAGE_REGISTRY_COMMANDS, ...NETWORK_COMMANDS, ...INSTALL_COMMANDS, ...PRUNE_COMMANDS]) registry.register(def);
}
