// Batches of datagrams in one call from JavaScript: sendmmsg() and recvmmsg() on Linux, a loop
// of sendmsg()/recvmsg() elsewhere (and in the portable build).
#pragma once

#include "build_config.h"

#include <cstddef>
#include <cstdint>

#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

#include "platform.h"

namespace bsdsock {

// One datagram of a batch: where its bytes are, and for sends its destination.
struct BatchEntry {
  uint8_t* data;
  size_t length;
  const sockaddr* address;  // null: the connected peer (sends), or ignored (receives)
  socklen_t address_length;
};

// What the kernel said about one received datagram.
struct BatchReceived {
  size_t bytes;
  int flags;  // msg_flags: MSG_TRUNC, ...
  socklen_t from_length;
};

// One datagram's msghdr: a single iovec and an optional address (name may be null).
void InitMessage(msghdr* message, iovec* iov, void* name, socklen_t name_length);

// Reusable memory for the kernel's batch structures, so a hot path allocates nothing per call.
struct BatchScratch {
  std::vector<iovec> iov;
#ifdef BSDSOCK_HAVE_MMSG
  std::vector<mmsghdr> messages;
#endif
  // UDP_SEGMENT control messages of a segmented batch, one per message (uint64_t: aligned for
  // cmsghdr).
  std::vector<uint64_t> control;
  // A segmented batch split by hand: its datagrams, and where each message's end among them.
  std::vector<BatchEntry> pieces;
  std::vector<size_t> piece_ends;
  // After a split batch that stopped inside a message: the bytes of that message (the first
  // not counted as sent) whose datagrams went. 0 otherwise.
  size_t partial_bytes = 0;
  void Reserve(size_t count) {
    if (iov.size() < count) iov.resize(count);
#ifdef BSDSOCK_HAVE_MMSG
    if (messages.size() < count) messages.resize(count);
#endif
  }
};

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

// The most datagrams one batch call takes (Linux's UIO_MAXIOV caps sendmmsg/recvmmsg at 1024).
constexpr size_t kMaxBatch = 1024;

// Sends entries[0..count) with `flags`; returns how many went (stopping at the first failure,
// as sendmmsg does), or -1 with errno set when the first one failed. With `segments`, a message
// whose segments[i] is not 0 goes out as datagrams of that size (UDP GSO): the kernel splits it
// (a UDP_SEGMENT control message per message) unless `split`, or the platform has no
// UDP_SEGMENT, in which case this splits it after the kernel's checks (segment.h). A message
// of which only some datagrams went (a non-blocking socket whose buffer filled) counts as not
// sent; scratch.partial_bytes then says how many of its bytes went.
int SendBatch(int fd, const BatchEntry* entries, size_t count, int flags, BatchScratch& scratch,
              const uint16_t* segments = nullptr, bool split = false);

// Receives up to `count` datagrams into entries[i].data, sender addresses into from[i];
// returns how many arrived, or -1 with errno set when none did. Without recvmmsg, the datagrams
// after the first are read with MSG_DONTWAIT: the batch takes what is queued.
int ReceiveBatch(int fd, const BatchEntry* entries, size_t count, int flags, sockaddr_storage* from,
                 BatchReceived* received, BatchScratch& scratch);

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
