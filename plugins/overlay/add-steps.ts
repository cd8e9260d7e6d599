/**
 * The steps of overlay ADD, in order, as the BERTH_TEST_FAIL_AFTER test hook (lib/cni/fail-point)
 * names them. They carry an `overlay-` prefix because the hook's variable reaches the bridge
 * delegate too, whose own step names (`ipmasq`, ...) must not fire here.
 */
import { failPointFor } from '../../lib/cni';

/** The steps of ADD, in order, as the test hook names them. */
export const ADD_STEPS = ['overlay-scratch', 'overlay-delegate', 'overlay-ipmasq'] as const;

/** TEST ONLY: throws when BERTH_TEST_FAIL_AFTER names `step`, one of ADD_STEPS. */
export const failPoint = failPointFor(ADD_STEPS);
