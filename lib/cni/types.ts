/**
 * The CNI data model in its current (1.0.0/1.1.0) shape. Plugins build and read these; the dispatcher
 * converts results to the config's cniVersion on output, and prevResults from it on input.
 * @see https://github.com/containernetworking/cni/blob/main/SPEC.md#section-5-result-types
 */
import type { Logger } from '../log';

/** An interface a plugin created or configured (`sandbox` empty for host-side interfaces). */
export interface Interface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

/** An address assigned to an interface; `interface` indexes `Result.interfaces` (absent in IPAM results). */
export interface IPConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

/** A route to install; 1.1.0 added mtu, advmss, priority, table and scope. */
export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** DNS settings (the runtime writes them into the container's resolv.conf). */
export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** The ADD result. */
export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IPConfig[];
  routes?: Route[];
  dns?: DNS;
}

/** The keys every plugin configuration has; plugin configs extend it. */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  capabilities?: Record<string, boolean>;
  ipam?: { type?: string; [key: string]: unknown };
  dns?: DNS;
  runtimeConfig?: Record<string, unknown>;
  args?: Record<string, unknown>;
  prevResult?: Result;
  [key: string]: unknown;
}

/** One attachment named in a GC request's `cni.dev/valid-attachments`. */
export interface Attachment {
  containerID: string;
  ifname: string;
}

/** What ADD, DEL and CHECK receive: the CNI_* environment (validated) and stdin. */
export interface CmdArgs {
  command: 'ADD' | 'DEL' | 'CHECK';
  containerID: string;
  /** CNI_NETNS; may be empty for DEL. */
  netns: string;
  ifName: string;
  /** CNI_ARGS, raw (`K=V;K2=V2`); parse it with parseCniArgs. */
  args: string;
  /** CNI_PATH split on `:`; may be empty where the spec makes it optional. */
  path: string[];
  stdinData: Buffer;
  /** stdin decoded, with a parsed and version-converted prevResult. */
  config: NetConf;
  /** The environment the plugin was given (delegates receive it unchanged). */
  env: Readonly<Record<string, string | undefined>>;
  /** The dispatcher's logger (stderr), bound to plugin, command, containerID and ifname. */
  log?: Logger;
}

/** What GC and STATUS receive: no attachment parameters. */
export interface CommonArgs {
  command: 'GC' | 'STATUS';
  path: string[];
  stdinData: Buffer;
  config: NetConf;
  env: Readonly<Record<string, string | undefined>>;
  /** The dispatcher's logger (stderr), bound to plugin and command. */
  log?: Logger;
}

/** GC also gets the attachments that are still valid. */
export interface GcArgs extends CommonArgs {
  command: 'GC';
  /** From `cni.dev/valid-attachments` (or the spec-v1.1.0 tag's `cni.dev/attachments`); undefined when absent. */
  validAttachments: Attachment[] | undefined;
}

/**
 * A plugin's verbs. ADD returns a Result in the current shape; the dispatcher converts it to the
 * config's cniVersion and prints it. A missing gc or status succeeds as a no-op, as libcni's skel does.
 */
export interface PluginFuncs {
  add(args: CmdArgs): Promise<Result>;
  del(args: CmdArgs): Promise<void>;
  check(args: CmdArgs): Promise<void>;
  gc?(args: GcArgs): Promise<void>;
  status?(args: CommonArgs): Promise<void>;
}
