/**
 * The steps of macvlan ADD, in order, as the BERTH_TEST_FAIL_AFTER test hook (lib/cni/fail-point)
 * names them: `link` (created under its temporary name in the container), `rename` (renamed to
 * CNI_IFNAME), `ipam` (lease obtained), `configure` (addresses, routes, link up).
 */
import { failPointFor } from '../../lib/cni';

/** The steps of ADD, in order, as the test hook names them. */
export const ADD_STEPS = ['link', 'rename', 'ipam', 'configure'] as const;

/** TEST ONLY: throws when BERTH_TEST_FAIL_AFTER names `step`, one of ADD_STEPS. */
export const failPoint = failPointFor(ADD_STEPS);
