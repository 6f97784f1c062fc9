import { BlockList, isIP } from 'node:net';

/** Loopback, link-local and private ranges: where a proxy in the same host, container network or LAN sits. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16]] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

const isPrivate = (address: string) => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIP(plain);
  return family !== 0 && PRIVATE.check(plain, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * Turns TRUST_PROXY into Fastify's trustProxy. A list goes through as is (Fastify checks each hop
 * against it). A hop count trusts up to that many proxies, but only ones on a private or loopback
 * address: Fastify 5 refuses bare hop counts because a client reaching us directly could then
 * forge the header, and a client on the public internet never has a private address.
 */
export function proxyTrust(setting: number | string[] | undefined): false | string[] | ((address: string, hop: number) => boolean) {
  if (setting === undefined) return false;
  if (Array.isArray(setting)) return setting;
  return (address, hop) => hop < setting && isPrivate(address);
}
