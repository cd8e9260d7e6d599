/**
 * berth-init: a container's first process before it becomes the user's command (see
 * lib/runtime/init). Spawned by berth, never by a user.
 */
import { initMain } from '../../lib/runtime/init/main';

initMain();
