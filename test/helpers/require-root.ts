// Root hook for the integration suite: it needs root (netns, links, mounts), and it must leave the
// machine as it found it, so after the run it fails if any test namespace is still mounted (and
// removes it).
import { execFileSync } from 'node:child_process';
import { deleteNamedNetns, listNamedNetns, warmThreadPool } from '../../lib/netns';
import { TEST_NETNS_PREFIX, isOwnTestName } from './netns';

if (process.getuid?.() !== 0) {
  throw new Error('the integration tests need root (network namespaces, links, mounts): run them with sudo');
}
warmThreadPool();

export const mochaHooks = {
  afterAll(): void {
    // Only this run's names: another run (or engineer) may be testing on the same machine.
    const leaked = listNamedNetns().filter(isOwnTestName);
    // Removed before the failure is reported: a failed run still leaves the machine as it found it.
    for (const name of leaked) deleteNamedNetns(name);
    if (leaked.length > 0) throw new Error(`integration tests leaked network namespaces (now removed): ${leaked.join(', ')}`);
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    const stray = links.split('\n').filter((l) => l.includes(`${TEST_NETNS_PREFIX}`) && l.includes(`-${process.pid.toString(36)}-`));
    if (stray.length > 0) throw new Error(`integration tests leaked links in the root netns:\n${stray.join('\n')}`);
  },
};
