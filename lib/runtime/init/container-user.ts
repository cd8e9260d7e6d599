/**
 * `--user` / the image's `USER`: "name", "uid", "name:group", "uid:gid" (either side a name or a
 * number), resolved against the container's own /etc/passwd and /etc/group after pivot_root, as runc
 * does. The process then gets that uid, primary gid and the supplementary groups the user is a
 * member of; HOME comes from passwd when the environment has none.
 */
import { readFileSync } from 'node:fs';

/** Whom the command runs as. */
export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  readonly home: string;
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to the kernel
const NUMERIC = /^\d+$/;

/** Parses `name:x:uid:gid:...` lines (passwd and group have the same first four fields). */
function entries(text: string): { name: string; id: number; gid: number; rest: string[] }[] {
  const out: { name: string; id: number; gid: number; rest: string[] }[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || f[0] === '' || !NUMERIC.test(f[2]!)) continue;
    out.push({ name: f[0]!, id: Number(f[2]), gid: NUMERIC.test(f[3]!) ? Number(f[3]) : 0, rest: f.slice(3) });
  }
  return out;
}

function parseId(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_ID) throw new Error(`invalid ${what} ${JSON.stringify(text)}: want 0 to ${MAX_ID}`);
  return n;
}

/**
 * Resolves `spec` against the passwd and group texts (undefined when the file is absent).
 * @throws Error with runc's wording: `unable to find user app: no matching entries in passwd file`.
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':', 2) as [string, string | undefined];
  if (userPart === '') throw new Error(`invalid user ${JSON.stringify(spec)}: no user`);
  const users = entries(passwd ?? '');
  const groups = entries(group ?? '');
  let uid: number;
  let gid: number;
  let home = '/';
  let name: string | undefined;
  const byName = users.find((u) => u.name === userPart);
  if (byName) {
    ({ id: uid, gid } = byName);
    name = byName.name;
    home = byName.rest[2] || '/';
  } else if (NUMERIC.test(userPart)) {
    uid = parseId(userPart, 'uid');
    const known = users.find((u) => u.id === uid);
    gid = known?.gid ?? 0;
    name = known?.name;
    home = known?.rest[2] || '/';
  } else {
    throw new Error(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((e) => e.name === groupPart);
    if (g) gid = g.id;
    else if (NUMERIC.test(groupPart)) gid = parseId(groupPart, 'gid');
    else throw new Error(`unable to find group ${groupPart}: no matching entries in group file`);
  }
  // Supplementary groups: those listing the user by name (only when no group was forced, as runc).
  const extra = groupPart === undefined && name !== undefined ? groups.filter((g) => (g.rest[0] ?? '').split(',').includes(name!)).map((g) => g.id) : [];
  return { uid, gid, groups: [...new Set([gid, ...extra])], home };
}

/** Reads a file of the container's root, undefined when it is absent. */
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Switches this process (the init, about to execve) to `spec`'s user, and returns `env` with HOME
 * set from passwd when it has none. Call inside the container's root.
 */
export function becomeUser(spec: string, env: readonly string[]): string[] {
  const user = resolveUser(spec, readOptional('/etc/passwd'), readOptional('/etc/group'));
  process.setgroups!([...user.groups]);
  process.setgid!(user.gid);
  process.setuid!(user.uid);
  return env.some((e) => e.startsWith('HOME=')) ? [...env] : [...env, `HOME=${user.home}`];
}
