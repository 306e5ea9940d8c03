/**
 * UDP segmentation (GSO): one buffer sent as many datagrams of one size, the last one shorter.
 * The kernel does it where it can (Linux 4.18+, `UDP_SEGMENT`); elsewhere, or when a device
 * answers `EIO`, bsdsock sends one datagram per segment itself (`sendmmsg` where there is one),
 * after the kernel's own checks, so that the same input gives the same datagrams and fails the
 * same way. Native side: native/segment.h.
 *
 * `BSDSOCK_GSO=fallback` in the environment (read once when bsdsock is loaded, in each thread)
 * makes every segmented send use the split, for tests and for paths where offload misbehaves.
 * @internal
 * @module
 */
import * as os from 'node:os';

import { constants } from './constants';
import { binding } from './native';
import { invalidType, outOfRange } from './validate';

/** The largest segment size: it travels as a `uint16_t`. */
export const SEGMENT_SIZE_MAX = 65535;

/** How segmented sends go out: `'kernel'` (`UDP_SEGMENT`) or `'fallback'` (one datagram per segment). */
export type SegmentationMode = 'kernel' | 'fallback';

const { EIO } = os.constants.errno;
const SOL_UDP = constants.SOL_UDP;
const UDP_SEGMENT = constants.UDP_SEGMENT;

/** Per module instance (per thread): the switch that forces the split. */
export const fallbackForced = process.env.BSDSOCK_GSO === 'fallback';

/** A segment size: an integer from 1 to 65535 (0 would mean "no segmentation" to the kernel). */
export function checkSegmentSize(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 1 || value > SEGMENT_SIZE_MAX) {
    throw outOfRange(name, `an integer >= 1 and <= ${SEGMENT_SIZE_MAX}`, value);
  }
}

/**
 * What one socket (or, for the flat calls, this thread) knows about segmentation: undefined
 * until the first segmented send asks the kernel.
 */
export interface SegmentationState {
  mode: SegmentationMode | undefined;
}

// Per module instance: once any socket's probe succeeded, this kernel knows UDP_SEGMENT. A
// failed probe is not remembered here: it may only say that the socket is not UDP.
let kernelKnowsSegment = false;

/** Whether the kernel will split for `fd`: `getsockopt(SOL_UDP, UDP_SEGMENT)` succeeds. */
function probe(fd: number): boolean {
  if (fallbackForced || SOL_UDP === undefined || UDP_SEGMENT === undefined) return false;
  if (kernelKnowsSegment) return true;
  kernelKnowsSegment = binding.getsockoptInt(fd, SOL_UDP, UDP_SEGMENT, new Int32Array(1)) >= 0;
  return kernelKnowsSegment;
}

/** The mode `state` uses, asking the kernel the first time. */
export function modeOf(fd: number, state: SegmentationState): SegmentationMode {
  state.mode ??= probe(fd) ? 'kernel' : 'fallback';
  return state.mode;
}

/**
 * One segmented `sendmsg`: the bytes sent, or a negative errno. `from` > 0 continues a split
 * send that went part way (a non-blocking socket whose buffer filled). A device that cannot
 * segment (`EIO`) turns the state to the split for good and the call is made again that way.
 */
export function sendSegmented(
  fd: number,
  buffers: readonly ArrayBufferView[],
  flags: number,
  address: Uint8Array | null,
  control: Uint8Array | readonly object[] | null,
  segmentSize: number,
  state: SegmentationState,
  from = 0,
): number {
  if (from === 0 && modeOf(fd, state) === 'kernel') {
    const result = binding.sendmsg(fd, buffers, flags, address, control, segmentSize, -1);
    if (result !== -EIO) return result;
    state.mode = 'fallback';
  }
  return binding.sendmsg(fd, buffers, flags, address, control, segmentSize, from);
}

/** What this thread's flat calls use for segmented sends, and whether the switch forces it. */
export interface OffloadSupport {
  /**
   * `'kernel'` where this platform has `UDP_SEGMENT` (a socket whose device cannot segment
   * still falls back on its own), `'fallback'` where it has not, or when forced.
   */
  segmentation: SegmentationMode;
  /** `BSDSOCK_GSO=fallback` was set when bsdsock was loaded in this thread. */
  fallbackForced: boolean;
  /** Whether this platform has `UDP_GRO` (coalesced receives, see `Socket.setGro`). */
  gro: boolean;
}

/** What this build and platform offer for UDP segmentation and coalescing. */
export function udpOffload(): OffloadSupport {
  return {
    segmentation: fallbackForced || UDP_SEGMENT === undefined ? 'fallback' : 'kernel',
    fallbackForced,
    gro: constants.UDP_GRO !== undefined,
  };
}
