/**
 * bsdsock: the real BSD socket calls for Node.js.
 *
 * ```ts
 * import { socket, bind, recvfrom, sendto, AF_INET, SOCK_DGRAM } from 'bsdsock';
 * ```
 * @module bsdsock
 */
export * from './constants';
export * from './errors';
export * from './flat';
export {
  CMSG_LEN,
  CMSG_SPACE,
  CONTROL_SIZE_DEFAULT,
  CONTROL_SIZE_MAX,
  EncodedControl,
  encodeControl,
  recvmsg,
  sendmsg,
  type ControlInput,
  type ControlMessage,
  type DroppedMessage,
  type DstaddrMessage,
  type ErrorOrigin,
  type ErrorQueueMessage,
  type GroMessage,
  type HopLimitMessage,
  type InterfaceMessage,
  type PktinfoMessage,
  type RawControlMessage,
  type RecvmsgOptions,
  type RecvmsgResult,
  type RightsMessage,
  type SegmentMessage,
  type SendmsgOptions,
  type TimestampMessage,
  type TosMessage,
  type TtlMessage,
} from './msg';
export { MAX_BATCH, PreparedBatch, prepareBatch, recvmmsg, sendmmsg, type BatchMessage } from './batch';
export { SEGMENT_SIZE_MAX, udpOffload, type OffloadSupport, type SegmentationMode } from './segment';
export type { SocketRecvmsgOptions, SocketSendmsgOptions } from './socket-msg';
export { setTrace, type TraceSink } from './trace';
export { poll, select, type PollFd, type SelectResult } from './multiplex';
export { ReceivedBatch, type BatchDatagram } from './receive-ring';
export {
  Socket,
  type BatchesOptions,
  type Datagram,
  type ErrorReport,
  type ReceiveResult,
  type WaitOptions,
} from './socket';
export { formatAddress } from './format';
export { addressEquals } from './address-equals';
export { perror, perrorText, systemErrorText } from './perror';
export type { SocketHandleStats as SocketStats } from './native';
export {
  EncodedAddress,
  sockaddr,
  type AddressInput,
  type Inet6Address,
  type InetAddress,
  type NumericFamilyAddress,
  type SocketAddress,
  type UnixAddress,
  type UnknownAddress,
  type UnspecAddress,
} from './address';

import { binding, loaded } from './native';

/**
 * Which build of the addon is loaded: its build system, Node-API version and portable mode,
 * whether it is a prebuilt binary shipped in the package or was built here, and its file.
 */
export const buildInfo: Readonly<{
  buildSystem: 'node-gyp' | 'cmake-js';
  napiVersion: number;
  portable: boolean;
  prebuilt: boolean;
  file: string;
}> = Object.freeze({ ...binding.buildInfo, prebuilt: loaded.prebuilt, file: loaded.file });
export { if_indextoname, if_nameindex, if_nametoindex, type InterfaceEntry } from './interfaces';
export type { GroupMembership, Linger, SourceMembership, StructOptionValue } from './options';
export {
  getaddrinfo,
  getaddrinfoAsync,
  getnameinfo,
  getnameinfoAsync,
  type AddrinfoEntry,
  type AddrinfoHints,
  type NameinfoResult,
} from './names';
export type { InterfaceSpec } from './multicast';
