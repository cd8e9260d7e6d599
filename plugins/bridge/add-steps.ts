/**
 * The steps of bridge ADD, in order, as the BERTH_TEST_FAIL_AFTER test hook (lib/cni/fail-point) names
 * them: bridge, veth, port, macspoofchk, ipam, container-iface, gateway, ipmasq, port-ready.
 */
import { failPointFor } from '../../lib/cni';

/** The steps of ADD, in order, as the test hook names them. */
export const ADD_STEPS = ['bridge', 'veth', 'port', 'macspoofchk', 'ipam', 'container-iface', 'gateway', 'ipmasq', 'port-ready'] as const;

/** TEST ONLY: throws when BERTH_TEST_FAIL_AFTER names `step`, one of ADD_STEPS. */
export const failPoint = failPointFor(ADD_STEPS);
