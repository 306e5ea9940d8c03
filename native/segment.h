// A buffer sent as many UDP datagrams of one size: the kernel's UDP segmentation offload (GSO,
// UDP_SEGMENT) where it has one, and this file's split into one datagram per segment where it
// has not (macOS, the portable build, kernels before 4.18, a device that answers EIO).
//
// No Node-API here: the checks and the split are plain functions over iovecs, so a fuzzer or a
// C test can drive them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "platform.h"

namespace bsdsock {

// The most segments one UDP_SEGMENT send carries (the kernel's UDP_MAX_SEGMENTS: 128 since
// Linux 6.x, 64 before). The split refuses more, as this kernel does, so that the same input
// fails the same way with and without offload.
constexpr size_t kMaxUdpSegments = 128;
// A segment size travels as a uint16_t (the UDP_SEGMENT control message).
constexpr size_t kMaxSegmentSize = 65535;

// The largest UDP payload to an address of `family`: 65507 bytes over IPv4, 65527 over IPv6.
// A socket of another family is given the IPv4 limit.
size_t MaxUdpPayload(int family);

// The family a datagram to `address` travels in (an IPv4-mapped IPv6 address goes as IPv4), or
// when `address` is null the connected peer's (getpeername).
int DestinationFamily(int fd, const sockaddr* address, socklen_t length);

// What the kernel answers a UDP_SEGMENT send of `total` bytes in segments of `segment` bytes,
// in its order: EMSGSIZE when the whole is larger than one datagram may be (`max_payload`),
// EINVAL when it makes more than kMaxUdpSegments segments, else 0.
int CheckSegmentedSend(size_t total, size_t segment, size_t max_payload);

// The datagrams of a split: datagram i is pieces[first[i] .. first[i + 1]), lengths[i] bytes.
struct SegmentPlan {
  std::vector<iovec> pieces;
  std::vector<size_t> first;
  std::vector<size_t> lengths;
};

// Plans the split of iov[0..count) from byte `from` on into datagrams of `segment` bytes (> 0),
// the last one shorter; at least one datagram (an empty one when nothing is left). Every piece
// lies inside one of the iovecs; together they are the bytes from `from` on, in order.
void PlanSegments(const iovec* iov, size_t count, size_t segment, size_t from, SegmentPlan* plan);

// The split: the bytes of `message.msg_iov` from byte `from` on, as datagrams of `segment`
// bytes (the last one shorter), each sent with the message's name and control data.
class SegmentSplitter {
 public:
  // Sends the datagrams (sendmmsg where there is one, else one sendmsg each). Returns the
  // bytes sent: all from `from` on, or fewer when a non-blocking socket's buffer filled part
  // way (a whole number of segments); -1 with errno when the first datagram failed.
  ssize_t Send(int fd, const msghdr& message, size_t segment, size_t from, int flags);

 private:
  SegmentPlan plan_;
#ifdef BSDSOCK_HAVE_MMSG
  std::vector<mmsghdr> datagrams_;
#endif
};

}  // namespace bsdsock
