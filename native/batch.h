// Batches of datagrams in one call from JavaScript: the Node-API side of sendmmsg() and
// recvmmsg(). The kernel side (msghdrs, the calls, their fallbacks) is in mmsg.h.
#pragma once

#include "build_config.h"

#include <cstddef>
#include <cstdint>

#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

#include "mmsg.h"
#include "platform.h"

namespace bsdsock {

// What the sendmmsg()/recvmmsg() entry points need per call beyond the kernel's structures,
// kept per environment (AddonData) so that a batch call allocates nothing once warmed up.
struct BatchCallScratch {
  BatchScratch kernel;
  std::vector<BatchEntry> entries;
  std::vector<sockaddr_storage> addresses;  // senders (receives); unaligned destinations (sends)
  std::vector<BatchReceived> received;
  // The array elements, all read before any is decoded: reading one may run JavaScript (a
  // getter), which must not be able to detach a buffer whose address is already taken.
  std::vector<napi_value> buffers;
  std::vector<napi_value> destinations;
  std::vector<uint16_t> segments;  // a segmented batch's datagram sizes
  // Set while a call uses the vectors: a nested call (a getter on an array element running
  // JavaScript that makes another batch call) takes fresh ones instead of resizing these.
  bool in_use = false;
  void Reserve(size_t count) {
    kernel.Reserve(count);
    if (entries.size() < count) entries.resize(count);
    if (addresses.size() < count) addresses.resize(count);
    if (received.size() < count) received.resize(count);
    if (buffers.size() < count) buffers.resize(count);
    if (destinations.size() < count) destinations.resize(count);
  }
};

// A segment size from JavaScript (0 to 65535; 0: one datagram). Throws a TypeError/RangeError.
uint16_t SegmentSizeOf(Napi::Env env, Napi::Value value, size_t index);

// sendmmsg(fd, buffers[], addresses[] (encoded, or undefined), flags, segments[] | undefined,
//          split, progressOut?: Int32Array(1)) -> count | -errno. segments[i]: the datagram size
//          of message i (0: one datagram). progressOut[0]: partial_bytes of a split (SendBatch).
Napi::Value Sendmmsg(const Napi::CallbackInfo& info);
// recvmmsg(fd, buffers[], flags, resultOut: Int32Array(3n), addressOut: Buffer(n * sizeof
// sockaddr_storage)) -> count | -errno; resultOut[3i..3i+2] = bytes, msg_flags, address length.
Napi::Value Recvmmsg(const Napi::CallbackInfo& info);

}  // namespace bsdsock
