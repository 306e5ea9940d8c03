// sendmsg(2) and recvmsg(2): scatter/gather I/O with an optional address and ancillary data.
#pragma once

#include "build_config.h"

#include <climits>
#include <cstddef>

namespace bsdsock {

// The most buffers one call takes: the platform's IOV_MAX (1024 on Linux and macOS), or the
// POSIX minimum where the headers do not say.
#ifdef IOV_MAX
constexpr size_t kMaxIov = IOV_MAX;
#else
constexpr size_t kMaxIov = 16;
#endif

// sendmsg(fd, buffers, flags, address | null, control | null, segmentSize?, splitFrom?)
//   -> bytes | -errno
//
// `buffers` is an array of views, gathered in order. `address` is an encoded sockaddr (see
// address.h). `control` is control data encoded once (encodeControl) or an array of control
// entries (see cmsg.h), encoded here into a buffer of the call's own. MSG_NOSIGNAL is added
// where it exists, as for send() and sendto().
//
// A `segmentSize` (1..65535) sends the bytes as datagrams of that size, the last one shorter:
// with `splitFrom` -1 (or absent) the kernel splits them (a UDP_SEGMENT control message); with
// `splitFrom` >= 0 this call does, one datagram per segment from that byte on (segment.h),
// after the kernel's own checks, and returns the bytes that went. Without UDP_SEGMENT on this
// platform it always splits.
Napi::Value Sendmsg(const Napi::CallbackInfo& info);

// recvmsg(fd, buffers, flags, addressOut, resultOut, control, controlOffset, controlLength)
//   -> bytes | -errno
//
// Scatters one message into `buffers`. The sender's sockaddr (for MSG_ERRQUEUE: the original
// destination) goes to addressOut, its length to resultOut[0], msg_flags to resultOut[1] and
// msg_controllen to resultOut[2]; the control data stays in `control` for parseControl(), so a
// message without ancillary data costs no parsing and no allocation. Descriptors received in
// SCM_RIGHTS are close-on-exec (MSG_CMSG_CLOEXEC on Linux, fcntl elsewhere).
Napi::Value Recvmsg(const Napi::CallbackInfo& info);

}  // namespace bsdsock
