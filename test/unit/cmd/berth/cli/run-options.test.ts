import assert from 'node:assert/strict';
import { CliError, UsageError } from '../../../../../cmd/berth/cli/errors';
import { ramInBytes } from '../../../../../cmd/berth/cli/ram-in-bytes';
import { type RunOptionsDeps, parseRunOptions } from '../../../../../cmd/berth/cli/run-options';
import { splitDev } from '../../../../../cmd/berth/cli/throttle-device';

const files: Record<string, string> = {
  '/work/app.env': '# comment\n\n  A=1\nB=two words\nHOME\nMISSING\nC="quoted"\r\n',
  '/work/bad.env': 'BAD KEY=1\n',
  '/work/noname.env': '=x\n',
};
const devices: Record<string, { rdev: number; block: boolean }> = {
  '/dev/sda': { rdev: (8 << 8) | 0, block: true },
  '/dev/nvme0n1': { rdev: (259 << 8) | 1, block: true },
  '/dev/null': { rdev: (1 << 8) | 3, block: false },
};
const deps: RunOptionsDeps = {
  env: { HOME: '/root', USER: 'me' },
  cwd: '/work',
  readFile: (p) => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return text;
  },
  statDevice: (p) => {
    const d = devices[p];
    if (!d) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return { rdev: d.rdev, isBlockDevice: () => d.block };
  },
  pathExists: (p) => p === '/srv',
};
const parse = (...argv: string[]) => parseRunOptions(argv, deps);

/** Asserts a CliError (exit 125) whose message is exactly `message`. */
const refuses = (argv: string[], message: string, usage = false): void => {
  assert.throws(() => parseRunOptions(argv, deps), (err: unknown) => {
    assert.ok(err instanceof CliError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.exitCode, 125);
    assert.equal(err instanceof UsageError, usage);
    return true;
  });
};

describe('cmd/berth/cli/run-options', () => {
  it('has Docker\'s defaults', () => {
    assert.deepEqual(parse('busybox'), {
      image: 'busybox', command: [], detach: false, autoRemove: false, env: [],
      network: { kind: 'network', name: 'bridge' }, mounts: [], resources: {},
      ports: [], exposedPorts: [], publishAll: false, restartPolicy: { name: 'no', maximumRetryCount: 0 },
    });
  });

  it('reads the image, the command and the simple flags', () => {
    const o = parse('-d', '--rm', '--name', 'web', '-w', '/srv', '-h', 'box.local', '-it', 'busybox', 'sh', '-c', 'echo hi');
    assert.equal(o.image, 'busybox');
    assert.deepEqual(o.command, ['sh', '-c', 'echo hi']);
    assert.equal(o.detach, true);
    assert.equal(o.autoRemove, true);
    assert.equal(o.name, 'web');
    assert.equal(o.workingDir, '/srv');
    assert.equal(o.hostname, 'box.local');
  });

  it('takes env files first, then -e, with bare KEYs from the caller\'s environment', () => {
    const o = parse('--env-file', 'app.env', '-e', 'X=1', '-e', 'USER', '-e', 'NOPE', '-e', 'EMPTY=', 'img');
    assert.deepEqual(o.env, ['A=1', 'B=two words', 'HOME=/root', 'C="quoted"', 'X=1', 'USER=me', 'EMPTY=']);
  });

  it('refuses bad env entries and env files with Docker\'s texts', () => {
    refuses(['-e', '=x', 'img'], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x', true);
    refuses(['--env-file', 'missing.env', 'img'], 'invalid --env-file: open missing.env: no such file or directory');
    refuses(['--env-file', '/work/bad.env', 'img'], "invalid --env-file: variable 'BAD KEY' contains whitespaces");
    refuses(['--env-file', 'noname.env', 'img'], "invalid --env-file: no variable name on line '=x'");
  });

  it('parses network modes', () => {
    assert.deepEqual(parse('--network', 'host', 'img').network, { kind: 'host' });
    assert.deepEqual(parse('--net=none', 'img').network, { kind: 'none' });
    assert.deepEqual(parse('--network', 'default', 'img').network, { kind: 'network', name: 'bridge' });
    assert.deepEqual(parse('--network', 'container:web', 'img').network, { kind: 'container', container: 'web' });
    assert.deepEqual(parse('--network', 'backend', 'img').network, { kind: 'network', name: 'backend' });
    refuses(['--network', 'container:', 'img'], 'invalid --network: Invalid network mode: invalid container format container:<name|id>');
  });

  it('follows Docker on hostname conflicts: refused with container:, allowed with host', () => {
    refuses(['-h', 'x', '--network', 'container:web', 'img'], 'conflicting options: hostname and the network mode (--hostname with --network container:)');
    assert.equal(parse('-h', 'x', '--network', 'host', 'img').hostname, 'x');
    refuses(['-h', 'bad_host!', 'img'], 'invalid --hostname: invalid hostname format: bad_host!');
    refuses(['-h', 'a'.repeat(65), 'img'], `invalid --hostname: invalid hostname format: ${'a'.repeat(65)}`);
  });

  it('refuses a relative working directory and a bad name', () => {
    refuses(['-w', 'rel', 'img'], "invalid --workdir: the working directory 'rel' is invalid, it needs to be an absolute path");
    refuses(['--name', '/x', 'img'], 'invalid --name: Invalid container name (/x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  });

  it('parses -v, --mount and --tmpfs with the storage parsers', () => {
    const o = parse('-v', 'data:/data', '-v', '/host:/h:ro', '--mount', 'type=bind,src=/srv,dst=/s', '--tmpfs', '/run:size=64m,mode=1770', 'img');
    assert.deepEqual(o.mounts.map((m) => [m.type, m.target, m.readonly]), [['volume', '/data', false], ['bind', '/h', true], ['bind', '/s', false], ['tmpfs', '/run', false]]);
    const tmpfs = o.mounts[3]!;
    assert.ok(tmpfs.type === 'tmpfs' && tmpfs.sizeBytes === 64 * 2 ** 20 && tmpfs.mode === 0o1770);
    refuses(['-v', 'a:b:c:d', 'img'], `invalid argument "a:b:c:d" for "-v, --volume" flag: invalid volume specification: 'a:b:c:d'`, true);
    refuses(['--mount', 'type=bind,src=/nope,dst=/x', 'img'], 'invalid argument "type=bind,src=/nope,dst=/x" for "--mount" flag: invalid mount config for type "bind": bind source path does not exist: /nope', true);
    refuses(['--tmpfs', 'rel', 'img'], `invalid argument "rel" for "--tmpfs" flag: invalid mount config for type "tmpfs": invalid mount path: 'rel' mount path must be absolute`, true);
    refuses(['-v', '/a:/x', '--tmpfs', '/x', 'img'], 'invalid --volume/--mount/--tmpfs: Duplicate mount point: /x');
  });

  it('reads sizes as RAMInBytes does', () => {
    assert.equal(ramInBytes('512m'), 512 * 2 ** 20);
    assert.equal(ramInBytes('1g'), 2 ** 30);
    assert.equal(ramInBytes('1G'), 2 ** 30);
    assert.equal(ramInBytes('6MB'), 6 * 2 ** 20);
    assert.equal(ramInBytes('6MiB'), 6 * 2 ** 20);
    assert.equal(ramInBytes('1.5k'), 1536);
    assert.equal(ramInBytes('10 kb'), 10240);
    assert.equal(ramInBytes('1024'), 1024);
    assert.equal(ramInBytes('1p'), 2 ** 50);
    for (const bad of ['', 'm', '-1', '1x', '1 m b', '1mbb']) assert.throws(() => ramInBytes(bad), { message: `invalid size: '${bad}'` });
  });

  it('turns resource flags into Resources', () => {
    const o = parse('-m', '512m', '--memory-swap', '1g', '--cpus', '1.5', '-c', '512', '--cpuset-cpus', '0-1', '--cpuset-mems', '0',
      '--pids-limit', '100', '--blkio-weight', '300', '--device-read-bps', '/dev/sda:1mb', '--device-write-bps', '/dev/nvme0n1:10k', 'img');
    assert.deepEqual(o.resources, {
      memory: 512 * 2 ** 20, memorySwap: 2 ** 30, cpus: { quota: 150000, period: 100000 }, cpuShares: 512, cpusetCpus: '0-1', cpusetMems: '0',
      pidsLimit: 100, blkioWeight: 300, deviceReadBps: [{ major: 8, minor: 0, rate: 2 ** 20 }], deviceWriteBps: [{ major: 259, minor: 1, rate: 10240 }],
    });
    assert.deepEqual(parse('-m', '64m', '--memory-swap', '-1', '--pids-limit', '-1', 'img').resources, { memory: 64 * 2 ** 20, memorySwap: -1, pidsLimit: -1 });
    assert.deepEqual(parse('-m', '0', '--cpus', '0', '-c', '0', '--blkio-weight', '0', '--pids-limit', '0', 'img').resources, {});
  });

  it('refuses resource values with Docker\'s texts, naming the flag', () => {
    refuses(['-m', 'lots', 'img'], `invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`, true);
    refuses(['-m', '4m', 'img'], 'invalid --memory: Minimum memory limit allowed is 6MB');
    refuses(['--memory-swap', '1g', 'img'], 'invalid --memory-swap: You should always set the Memory limit when using Memoryswap limit, see usage');
    refuses(['-m', '1g', '--memory-swap', '512m', 'img'], 'invalid --memory-swap: Minimum memoryswap limit should be larger than memory limit, see usage');
    refuses(['--cpus', 'two', 'img'], 'invalid argument "two" for "--cpus" flag: failed to parse two as a rational number', true);
    refuses(['--cpus', '0.0000000001', 'img'], 'invalid argument "0.0000000001" for "--cpus" flag: value is too precise', true);
    refuses(['--cpus', '-1', 'img'], 'invalid --cpus: -1: the number of CPUs must be greater than 0');
    refuses(['-c', 'x', 'img'], 'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax', true);
    refuses(['-c', '1', 'img'], 'invalid --cpu-shares: 1: range of CPU shares is from 2 to 262144');
    refuses(['--cpuset-cpus', 'a-b', 'img'], 'invalid --cpuset-cpus: Invalid value a-b for cpuset cpus');
    refuses(['--cpuset-mems', '0-', 'img'], 'invalid --cpuset-mems: Invalid value 0- for cpuset mems');
    refuses(['--pids-limit', '1.5', 'img'], 'invalid argument "1.5" for "--pids-limit" flag: strconv.ParseInt: parsing "1.5": invalid syntax', true);
    refuses(['--blkio-weight', '5', 'img'], 'invalid --blkio-weight: Range of blkio weight is from 10 to 1000');
    refuses(['--blkio-weight', '70000', 'img'], 'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range', true);
    refuses(['--blkio-weight', '-5', 'img'], 'invalid argument "-5" for "--blkio-weight" flag: strconv.ParseUint: parsing "-5": invalid syntax', true);
  });

  it('resolves --device-*-bps paths to block device numbers, with Docker\'s errors', () => {
    refuses(['--device-read-bps', 'sda', 'img'], 'invalid argument "sda" for "--device-read-bps" flag: bad format: sda', true);
    refuses(['--device-read-bps', '/tmp/x:1mb', 'img'], 'invalid argument "/tmp/x:1mb" for "--device-read-bps" flag: bad format for device path: /tmp/x:1mb', true);
    refuses(['--device-write-bps', '/dev/sda:fast', 'img'],
      'invalid argument "/dev/sda:fast" for "--device-write-bps" flag: invalid rate for device: /dev/sda:fast. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb', true);
    refuses(['--device-read-bps', '/dev/sdz:1mb', 'img'], 'invalid --device-read-bps: stat /dev/sdz: no such file or directory');
    refuses(['--device-read-bps', '/dev/null:1mb', 'img'], 'invalid --device-read-bps: /dev/null is not a block device');
  });

  it('splits dev_t as glibc does, large numbers included', () => {
    assert.deepEqual(splitDev((8 << 8) | 16), { major: 8, minor: 16 });
    // major 300, minor 70000: the high bits of each live above bit 20 and bit 44.
    const rdev = Number((70000n & 0xffn) | ((300n & 0xfffn) << 8n) | ((70000n & ~0xffn) << 12n) | ((300n & ~0xfffn) << 32n));
    assert.deepEqual(splitDev(rdev), { major: 300, minor: 70000 });
  });

  it('reads -p, --expose and -P; refuses bad values with the nat package\'s words and -p with container: networking', () => {
    const o = parse('-p', '8080:80', '-p', '127.0.0.1::53/udp', '-p', '[::1]:9000-9001:90-91', '--expose', '7000-7001/tcp', '-P', 'img');
    assert.deepEqual(o.ports, [
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPorts: [8080, 8080] },
      { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPorts: [0, 0] },
      { containerPort: 90, protocol: 'tcp', hostIp: '::1', hostPorts: [9000, 9000] },
      { containerPort: 91, protocol: 'tcp', hostIp: '::1', hostPorts: [9001, 9001] },
    ]);
    assert.deepEqual(o.exposedPorts, [{ port: 7000, protocol: 'tcp' }, { port: 7001, protocol: 'tcp' }]);
    assert.equal(o.publishAll, true);
    refuses(['-p', '80:abc', 'img'], 'invalid containerPort: abc');
    refuses(['-p', '70000:80', 'img'], 'invalid hostPort: 70000');
    refuses(['-p', '80/icmp', 'img'], 'invalid proto: icmp');
    refuses(['-p', '1.2.3:80:80', 'img'], 'invalid IP address: 1.2.3');
    refuses(['-p', '8000-8001:80-82', 'img'], 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001');
    refuses(['-p', '80', '--network', 'container:web', 'img'], 'conflicting options: port publishing and the container type network mode');
    refuses(['--expose', '1:2', 'img'], 'invalid port format for --expose: 1:2');
  });

  it('reads user namespace maps; the gid map defaults to the uid map', () => {
    const o = parse('--userns-uidmap', '0:100000:65536', 'img');
    assert.deepEqual(o.userns, { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 100000, size: 65536 }] });
    const both = parse('--userns-uidmap', '0:1000:1', '--userns-uidmap', '1:100000:1000', '--userns-gidmap', '0:2000:1', 'img');
    assert.equal(both.userns?.uidMap.length, 2);
    assert.deepEqual(both.userns?.gidMap, [{ containerId: 0, hostId: 2000, size: 1 }]);
    refuses(['--userns-uidmap', '0:1', 'img'], 'invalid argument "0:1" for "--userns-uidmap" flag: expected CONTAINER_ID:HOST_ID:SIZE (e.g. 0:100000:65536)', true);
    refuses(['--userns-uidmap', '0:1:0', 'img'], 'invalid argument "0:1:0" for "--userns-uidmap" flag: SIZE must be at least 1', true);
    refuses(['--userns-gidmap', '0:1:1', 'img'], 'invalid --userns-gidmap: needs --userns-uidmap as well');
    refuses(['--userns-uidmap', '0:1000:10', '--userns-uidmap', '5:5000:10', 'img'], 'invalid --userns-uidmap: lines 0:1000:10 and 5:5000:10 overlap');
    refuses(['--userns-uidmap', '1:100000:10', 'img'], 'invalid --userns-uidmap: container id 0 (root) is not mapped');
    refuses(['--userns-uidmap', '0:100000:10', '--userns-gidmap', '5:100000:10', 'img'], 'invalid --userns-gidmap: container id 0 (root) is not mapped');
    refuses(['--userns', 'auto', 'img'], 'invalid --userns: invalid USER mode "auto" (host or remap)');
    refuses(['--userns', 'host', '--userns-uidmap', '0:100000:10', 'img'], 'conflicting options: --userns=host and --userns-uidmap');
    assert.equal(parse('--userns', 'host', 'img').userns, undefined);
    assert.deepEqual(parse('--userns=remap', 'img').userns, { uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], gidMap: [{ containerId: 0, hostId: 100000, size: 65536 }] });
  });

  it('refuses a missing image and unknown flags as usage errors', () => {
    refuses([], '"berth run" requires at least 1 argument.', true);
    refuses(['--frobnicate', 'img'], 'unknown flag: --frobnicate', true);
  });

  it('--restart: each policy, and Docker\'s refusals (the CLI\'s format errors, the daemon\'s policy errors), --rm conflict', () => {
    assert.deepEqual(parse('--restart', 'always', 'busybox').restartPolicy, { name: 'always', maximumRetryCount: 0 });
    assert.deepEqual(parse('--restart', 'unless-stopped', 'busybox').restartPolicy, { name: 'unless-stopped', maximumRetryCount: 0 });
    assert.deepEqual(parse('--restart', 'on-failure', 'busybox').restartPolicy, { name: 'on-failure', maximumRetryCount: 0 });
    assert.deepEqual(parse('--restart', 'on-failure:3', 'busybox').restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
    assert.deepEqual(parse('--restart', 'no', 'busybox').restartPolicy, { name: 'no', maximumRetryCount: 0 });
    refuses(['--restart', ':3', 'busybox'], 'invalid restart policy format: no policy provided before colon');
    refuses(['--restart', 'on-failure:x', 'busybox'], 'invalid restart policy format: maximum retry count must be an integer');
    refuses(['--restart', 'sometimes', 'busybox'], "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
    refuses(['--restart', 'always:2', 'busybox'], "invalid restart policy: maximum retry count can only be used with 'on-failure'");
    refuses(['--restart', 'no:-1', 'busybox'], "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative");
    refuses(['--restart', 'on-failure:-1', 'busybox'], 'invalid restart policy: maximum retry count cannot be negative');
    refuses(['--restart', 'always', '--rm', 'busybox'], 'Conflicting options: --restart and --rm');
    assert.equal(parse('--restart', 'no', '--rm', 'busybox').autoRemove, true);
  });
});
