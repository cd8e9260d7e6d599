/** The flag table of `berth run` (and `berth create`, which takes the same flags but no -d/--rm semantics of its own). */
import type { CommandSpec, FlagSpec } from './args';

/** Every `run` flag, in Docker's help order (alphabetical by long name). */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'add-host', kind: 'list', help: 'Add a custom host-to-IP mapping (host:ip, or host:host-gateway for the network\'s gateway)' },
  { name: 'blkio-weight', kind: 'string', valueType: 'uint16', help: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' },
  { name: 'cpu-shares', short: 'c', kind: 'string', valueType: 'int', help: 'CPU shares (relative weight)' },
  { name: 'cpus', kind: 'string', valueType: 'decimal', help: 'Number of CPUs' },
  { name: 'cpuset-cpus', kind: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', kind: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
  { name: 'device-read-bps', kind: 'list', help: 'Limit read rate (bytes per second) from a device (PATH:RATE, e.g. /dev/sda:1mb)' },
  { name: 'device-write-bps', kind: 'list', help: 'Limit write rate (bytes per second) to a device (PATH:RATE)' },
  { name: 'dns', kind: 'list', help: 'Set custom DNS servers (on a user network: where its embedded DNS forwards other names)' },
  { name: 'dns-option', kind: 'list', help: 'Set DNS options' },
  { name: 'dns-search', kind: 'list', help: 'Set custom DNS search domains' },
  { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables (KEY=VALUE, or KEY to pass the caller\'s value)' },
  { name: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
  { name: 'expose', kind: 'list', help: 'Expose a port or a range of ports' },
  { name: 'hostname', short: 'h', kind: 'string', help: 'Container host name' },
  { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open: pass it to the container (attached runs)' },
  { name: 'ip', kind: 'string', help: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ip6', kind: 'string', help: 'IPv6 address (e.g., 2001:db8::33)' },
  { name: 'memory', short: 'm', kind: 'string', valueType: 'bytes', help: 'Memory limit' },
  { name: 'memory-swap', kind: 'string', valueType: 'bytes', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'mount', kind: 'list', valueType: 'mount', help: 'Attach a filesystem mount to the container' },
  { name: 'name', kind: 'string', help: 'Assign a name to the container' },
  { name: 'network', aliases: ['net'], kind: 'string', valueType: 'network', defaultText: 'bridge', help: 'Connect a container to a network: bridge, host, none, container:<name|id> or a network name' },
  { name: 'network-alias', kind: 'list', help: 'Add network-scoped alias for the container (user networks: other containers resolve it)' },
  { name: 'pids-limit', kind: 'string', valueType: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'publish', short: 'p', kind: 'list', help: "Publish a container's port(s) to the host ([ip:][hostPort:]containerPort[/proto])" },
  { name: 'publish-all', short: 'P', kind: 'bool', help: 'Publish all exposed ports to random ports' },
  { name: 'restart', kind: 'string', defaultText: 'no', help: 'Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)' },
  { name: 'rm', kind: 'bool', help: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'tmpfs', kind: 'list', help: 'Mount a tmpfs directory (PATH[:OPTIONS])' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Accepted for compatibility; berth allocates no pseudo-TTY (no-op)' },
  { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>]), resolved in the container\'s /etc/passwd and /etc/group' },
  { name: 'userns', kind: 'string', help: 'User namespace to use: host (none, the default) or remap (root inside is host uid/gid 100000, 65536 ids, as dockerd\'s userns-remap)' },
  { name: 'userns-gidmap', kind: 'list', help: 'Run in a new user namespace with this gid map line (CONTAINER_ID:HOST_ID:SIZE, repeatable; default: the uid map)' },
  { name: 'userns-uidmap', kind: 'list', help: 'Run in a new user namespace with this uid map line (CONTAINER_ID:HOST_ID:SIZE, repeatable; must map container id 0)' },
  { name: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume (NAME:/path, /host:/path[:ro], or /path for an anonymous volume)' },
  { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container (absolute)' },
];

/** `berth run`: everything after IMAGE belongs to the container's command. */
export const RUN_SPEC: CommandSpec = {
  path: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  flags: RUN_FLAGS,
  aliases: ['container run'],
  stopAtPositional: true,
  minArgs: 1,
};

/** `berth create`: the same flags, the container is recorded but not started. */
export const CREATE_SPEC: CommandSpec = {
  ...RUN_SPEC,
  path: 'create',
  description: 'Create a new container',
  aliases: ['container create'],
};
