// Batches of datagrams at the kernel's level: one msghdr per datagram, sendmmsg() and
// recvmmsg() on Linux, a loop of sendmsg()/recvmsg() elsewhere (and in the portable build).
// Includes no napi.h: fuzz/mmsg_fuzzer.cc drives it directly, as address_fuzzer does address.cc.
#pragma once

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
// after the first are read with MSG_DONTWAIT: the batch takes what is queued. With `control`,
// message i gets control[i * control_size, +control_size) for its control messages, and
// control_lengths[i] says how much of it the kernel filled.
int ReceiveBatch(int fd, const BatchEntry* entries, size_t count, int flags, sockaddr_storage* from,
                 BatchReceived* received, BatchScratch& scratch, uint8_t* control = nullptr,
                 size_t control_size = 0, size_t* control_lengths = nullptr);

}  // namespace bsdsock
