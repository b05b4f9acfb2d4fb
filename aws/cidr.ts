import * as ipaddr from 'ipaddr.js';

/** An IPv4 block as an integer range [first, last]. */
interface Range {
  readonly first: number;
  readonly last: number;
}

function toRange(block: string): Range | undefined {
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(block) || !ipaddr.IPv4.isValidCIDR(block)) return undefined;
  const [address, prefix] = ipaddr.IPv4.parseCIDR(block);
  const value = address.toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
  const size = 2 ** (32 - prefix);
  // A block whose host bits are set (10.0.0.1/16) is almost always a typo; refuse it.
  if (value % size !== 0) return undefined;
  return { first: value, last: value + size - 1 };
}

export function isIpv4Cidr(block: string): boolean {
  return toRange(block) !== undefined;
}

/**
 * The private IPv4 ranges of RFC 1918 (https://www.rfc-editor.org/rfc/rfc1918#section-3); a VPC on
 * public addresses would shadow real hosts on the internet for everything inside it.
 */
export const PRIVATE_IPV4_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] as const;

/** Whether a block lies wholly inside one RFC 1918 range. */
export function isPrivateIpv4Cidr(block: string): boolean {
  return PRIVATE_IPV4_RANGES.some((range) => cidrContains(range, block));
}

export function cidrContains(outer: string, inner: string): boolean {
  const a = toRange(outer);
  const b = toRange(inner);
  return a !== undefined && b !== undefined && a.first <= b.first && b.last <= a.last;
}

export function cidrsOverlap(x: string, y: string): boolean {
  const a = toRange(x);
  const b = toRange(y);
  return a !== undefined && b !== undefined && a.first <= b.last && b.first <= a.last;
}
