/**
 * Comparing addresses. Two address objects are never `===` each other, and the book compares
 * two `sockaddr`s with `memcmp` (section 8.8: is the reply from the server we asked?).
 * @module
 */
import { EncodedAddress, sockaddr, type AddressInput } from './address';

function bytesOf(address: AddressInput): Uint8Array {
  return (address instanceof EncodedAddress ? address : sockaddr(address)).bytes;
}

/**
 * True when `a` and `b` are the same socket address, as C's `memcmp` of the two encoded
 * `sockaddr`s says: same family, address and port (for IPv6 also flowinfo and scope), same
 * path for `AF_UNIX`. Text forms are compared as the kernel sees them (`'::1'` equals
 * `'0:0::1'`), and so are the numeric and the string family. Like `memcmp`, an IPv4 address and
 * its IPv4-mapped IPv6 form (`::ffff:127.0.0.1`) differ. A malformed address throws as
 * {@link sockaddr} does.
 */
export function addressEquals(a: AddressInput, b: AddressInput): boolean {
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
