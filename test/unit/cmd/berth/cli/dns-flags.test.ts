import assert from 'node:assert/strict';
import { CliError, UsageError } from '../../../../../cmd/berth/cli/errors';
import { validateDnsSearch, validateExtraHost, validateIPAddress } from '../../../../../cmd/berth/cli/dns-flags';
import { parseRunOptions } from '../../../../../cmd/berth/cli/run-options';

const parse = (...argv: string[]) => parseRunOptions(argv, { env: {}, cwd: '/' });

describe('cmd/berth/cli/dns-flags', () => {
  it('collects --dns, --dns-search, --dns-option, --add-host and --network-alias', () => {
    const o = parse('--dns', '192.0.2.1', '--dns', '2001:db8::53', '--dns-search', 'Corp.Example.', '--dns-search', '.', '--dns-option', 'ndots:2',
      '--add-host', 'db:192.0.2.10', '--add-host', 'v6=[2001:db8::1]', '--add-host', 'gw:host-gateway', '--network', 'app', '--network-alias', 'api', 'busybox');
    assert.deepEqual(o.dns, { servers: ['192.0.2.1', '2001:db8::53'], search: ['Corp.Example', '.'], options: ['ndots:2'] });
    assert.deepEqual(o.extraHosts, ['db:192.0.2.10', 'v6=[2001:db8::1]', 'gw:host-gateway']);
    assert.deepEqual(o.networkAliases, ['api']);
    assert.equal(parse('busybox').dns, undefined);
  });
  it('refuses bad values with Docker\'s messages, naming the flag', () => {
    for (const [argv, message] of [
      [['--dns', '1.2.3'], 'invalid argument "1.2.3" for "--dns" flag: IP address is not correctly formatted: 1.2.3'],
      [['--dns', '10.0.0.0/8'], 'invalid argument "10.0.0.0/8" for "--dns" flag: IP address is not correctly formatted: 10.0.0.0/8'],
      [['--dns-search', '123'], 'invalid argument "123" for "--dns-search" flag: 123 is not a valid domain'],
      [['--dns-search', 'a..b'], 'invalid argument "a..b" for "--dns-search" flag: a..b is not a valid domain'],
      [['--add-host', ':1.2.3.4'], 'invalid argument ":1.2.3.4" for "--add-host" flag: bad format for add-host: ":1.2.3.4"'],
      [['--add-host', 'h:nope'], 'invalid argument "h:nope" for "--add-host" flag: invalid IP address in add-host: "nope"'],
    ] as const) {
      assert.throws(() => parse(...argv, 'busybox'), (err: unknown) => {
        assert.ok(err instanceof CliError && err instanceof UsageError, String(err));
        assert.equal(err.message, message);
        assert.equal(err.exitCode, 125);
        return true;
      });
    }
  });
  it('the validators alone', () => {
    assert.equal(validateIPAddress(' 192.0.2.1 '), '192.0.2.1');
    assert.equal(validateDnsSearch(`${'a'.repeat(63)}.test`), `${'a'.repeat(63)}.test`);
    assert.throws(() => validateDnsSearch(Array(90).fill('abc').join('.')), /is not a valid domain/);
    assert.equal(validateExtraHost('h=1.2.3.4'), 'h=1.2.3.4');
  });
});
