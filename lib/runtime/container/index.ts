/**
 * The container lifecycle: create, start (the init in its namespaces and cgroups), supervise, stop,
 * kill, pause, exec, stats, remove, and the clean-up after crashes. The CLI (cmd/berth) drives it.
 */
export * from './types';
export { ContainerStore, ContainerError, CONTAINER_NAME, writeJsonAtomic } from './store';
export { type RuntimePaths, netnsDir, cgroupPathOf } from './paths';
export { type RuntimeDeps, runtimeDeps } from './deps';
export { type CreateRequest, type CreatedContainer, createContainer, mergeEnv, containerEnv } from './create';
export { type ContainerStdio, type StartedContainer, startContainer, logPathOf, processStartTime } from './start';
export { superviseContainer, exitCodeOf } from './supervise';
export { removeContainer } from './remove';
export { stopContainer, killContainer, pauseContainer, unpauseContainer, parseSignal } from './control';
export { execInContainer, type ExecRequest } from './exec';
export { containerStats, parseNetDev, type ContainerStats } from './stats';
export { reconcile, type ReconcileReport, type ReconcileOptions, type Restarter } from './reconcile';
export {
  type RestartPolicy, type RestartPolicyName, NO_RESTART, BACKOFF, parseRestartPolicy, shouldRestart, shouldStartAtBoot, nextRestartDelay,
} from './restart-policy';
export { type PlannedRestart, planRestart, restartAfterDelay, superviseWithRestarts, ranFor } from './restart-loop';
export { markManuallyStopped, clearManualStop, isManuallyStopped } from './manual-stop';
export { lastBootPath } from './boot-start';
export { type HeldLock, tryLock, isUnattended, waitUnattended } from './lock';
export { appendLog, readLog, followLog, type LogRecord } from './json-log';
export { InitError, type StartedInit } from './spawn-init';
export { mapProblem, idMapText, hostIdOf, MAX_MAP_LINES } from './userns';
export { connectNetwork, disconnectNetwork, networksOf, type ConnectRequest } from './connect';
export { CONTAINER_IFNAME, readEndpoints, type Endpoints, type ConnectedEndpoint } from './endpoints';
export { type TopResult, containerTop, parsePsOutput } from './top';
export { withContainerRoot, copyIntoContainer, copyFromContainer } from './copy';
