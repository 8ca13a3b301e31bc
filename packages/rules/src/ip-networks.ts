import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** One network as `address/prefix` (IPv4 or IPv6) or a single address. */
export const Network = z.string().refine((text) => parseNetwork(text) !== undefined, {
  message: 'expected an IP address or a network such as 203.0.113.0/24 or 2001:db8::/32',
});

function parseNetwork(
  text: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const lists = new WeakMap<readonly string[], BlockList>();

/** Whether `ip` lies in one of `networks` (validated with `Network`); false for text that is no address. */
export function inNetworks(ip: string, networks: readonly string[]): boolean {
  const version = isIP(ip);
  if (version === 0 || networks.length === 0) return false;
  let list = lists.get(networks);
  if (!list) {
    list = new BlockList();
    for (const text of networks) {
      const network = parseNetwork(text);
      if (network) list.addSubnet(network.address, network.prefix, network.family);
    }
    lists.set(networks, list);
  }
  return list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}
